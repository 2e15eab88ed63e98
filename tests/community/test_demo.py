import datetime
import io

import pytest

from community import demo, selectors
from community.models import (
    Activity,
    Council,
    Decision,
    FollowUp,
    Meeting,
    MonthlyPoints,
    PointEntry,
    TeamMember,
    Volunteer,
)
from gridgov import audit_chain
from residents.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_gives_teams_and_volunteers_a_year_of_points(tree):
    for grid in tree.grids:
        Person.objects.bulk_create(
            [Person(area=grid, name=f"居民{i}", birth_date=datetime.date(1960, 1, 1)) for i in range(40)]
        )
    out = io.StringIO()
    demo.load(district=tree.district, seed=3, stdout=out)
    assert out.getvalue().startswith("community: ")
    assert TeamMember.objects.filter(role="community_police").count() == len(tree.grids)
    assert Volunteer.objects.count() == 4 * demo.VOLUNTEERS_PER_COMMUNITY
    assert Activity.objects.filter(status="open").count() == 4
    assert audit_chain.breaks(["point_entries", "council_events"]) == []
    # two councils, a meeting each with decisions; the first's published to the residents
    assert Council.objects.count() == 2 and Meeting.objects.filter(quorate=True).count() == 2
    assert Decision.objects.count() == 4 and Meeting.objects.filter(notice__isnull=False).count() == 1
    # the first council's first follow-up carried out as a case (issue 20)
    assert FollowUp.objects.filter(case__isnull=False).count() == 1
    # balances and tallies agree with the ledger
    for v in Volunteer.objects.all():
        entries = list(PointEntry.objects.filter(volunteer=v).order_by("seq"))
        assert v.balance == sum(e.points for e in entries) >= 0
        assert all(e.balance_after >= 0 for e in entries)
    months = MonthlyPoints.objects.values_list("month", flat=True).distinct()
    assert len(months) >= 10
    month = max(months)
    assert sum(
        r["earned"] for r in selectors.ranking(area_code=tree.district.code, month=month, limit=1000)
    ) == (selectors.earned_in_month_from_ledger(area_code=tree.district.code, month=month))

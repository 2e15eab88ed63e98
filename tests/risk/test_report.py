"""The monthly 研判 report (docs/domain.md §17.3) of community 0 for March 2026, against hand-counted rows:
scores on 2 and 20 March, one hotspot, four warnings, three disputes (and one of April, left out)."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cases.models import Category
from mediation.models import Dispute
from risk import report
from risk.models import Hotspot, RiskScore, RiskWarning, WarningRule
from tests.mediation.conftest import record

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MARCH = dt.date(2026, 3, 1)


def _at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def _score(grid, day, score, level, parts=()):
    return RiskScore.objects.create(
        area=grid,
        area_code=grid.code,
        day=day,
        score=Decimal(score),
        level=level,
        components=[{"key": k, "value": 1, "weight": p, "points": p} for k, p in parts],
    )


def _warning(tree, rule, key, opened, *, due=None, closed=None, level=0):
    grid = tree.grids[0]
    return RiskWarning.objects.create(
        rule=rule,
        key=key,
        area=grid,
        area_code=grid.code,
        opened_at=opened,
        due_at=due,
        closed_at=closed,
        status="closed" if closed else "open",
        escalation_level=level,
    )


@pytest.fixture
def month(tree):
    g0, g1 = tree.grids[0], tree.grids[1]
    _score(g0, dt.date(2026, 3, 2), 10, "green")
    _score(g1, dt.date(2026, 3, 2), 30, "yellow")
    _score(g0, dt.date(2026, 3, 20), 50, "red", [("case_mix", 30), ("overdue", 20), ("reworked", 0)])
    _score(g1, dt.date(2026, 3, 20), 20, "yellow")
    _score(tree.grids[4], dt.date(2026, 3, 20), 99, "red")  # another community: not in the report
    Hotspot.objects.create(
        district_code=tree.district.code,
        area=g0,
        area_code=g0.code,
        category=Category.objects.get(code="01001"),
        day=dt.date(2026, 3, 20),
        lat=0,
        lon=0,
        case_count=4,
        first_at=_at(3, 1),
        last_at=_at(3, 19),
        key="k",
    )
    _warning(tree, WarningRule.REPEATED_PLACE, "a", _at(3, 5), due=_at(3, 10), closed=_at(3, 8))
    _warning(tree, WarningRule.VISIT_OVERDUE, "b", _at(3, 6), due=_at(3, 9), closed=_at(3, 12), level=1)
    _warning(tree, WarningRule.CATEGORY_RISING, "c", _at(3, 25), due=_at(3, 30))
    _warning(tree, WarningRule.REPEATED_PLACE, "d", _at(2, 20), due=_at(3, 5), closed=_at(3, 3))
    for level, opened, fields in [
        ("high", _at(3, 3), {}),
        ("high", _at(2, 10), {"status": "settled", "settled_at": _at(3, 15)}),
        ("medium", _at(3, 4), {"status": "closed", "closed_at": _at(3, 10)}),
        ("low", _at(4, 2), {}),
    ]:
        found = record(tree, risk_level=level)
        Dispute.objects.filter(pk=found.pk).update(opened_at=opened, **fields)
    return tree


def test_it_reports_the_month_of_an_area_by_hand(month):
    tree = month
    with translation.override("en"):
        found = report.monthly(tree.users["community"], tree.communities[0], MARCH)
    assert [(r["day"].day, r["mean"], r["red"], r["yellow"]) for r in found["trend"]] == [
        (2, 20.0, 0, 1),
        (20, 35.0, 1, 1),
    ]
    top = found["top"][0]
    assert top["name"] == tree.grids[0].name and top["score"] == 50.0
    assert top["parts"] == [("Case mix", 30), ("Overdue cases", 20)]
    assert [(h["area"], h["cases"]) for h in found["hotspots"]] == [(tree.grids[0].name, 4)]
    rows = {str(r["rule"]): r for r in found["warnings"]}
    place = rows[str(WarningRule.REPEATED_PLACE.label)]
    visit = rows[str(WarningRule.VISIT_OVERDUE.label)]
    rising = rows[str(WarningRule.CATEGORY_RISING.label)]
    assert (place["opened"], place["closed"], place["on_time"], place["late"]) == (1, 2, 2, 0)
    assert (visit["opened"], visit["closed"], visit["late"], visit["escalated"]) == (1, 1, 1, 1)
    assert (rising["opened"], rising["still_open"]) == (1, 1)
    disputes = {r["key"]: (r["recorded"], r["resolved"], r["unresolved"]) for r in found["disputes"]}
    assert disputes == {"high": (1, 1, 1), "medium": (1, 1, 0), "low": (0, 0, 0)}
    assert found["findings"] == [
        "The mean grid score went from 20.0 on 2026-03-02 to 35.0 on 2026-03-20 (up); 1 grids were red at "
        "the end.",
        f"The highest-risk grid is {tree.grids[0].name} (score 50.0), mostly from Case mix.",
        f"1 hotspots; the largest: {found['hotspots'][0]['category']} in {tree.grids[0].name}, 4 cases.",
        "3 warnings opened and 3 closed (2 on time); 1 of the new ones were escalated and 1 are still open.",
        "1 high-risk disputes recorded this month; 1 high-risk disputes unresolved.",
    ]


def test_it_reads_in_a_fixed_number_of_queries(month):
    tree = month
    report.monthly(
        tree.users["community"], tree.communities[0], MARCH
    )  # the reader's reach, kept on the user
    with CaptureQueriesContext(connection) as few:
        report.monthly(tree.users["community"], tree.communities[0], MARCH)
    for i in range(5):
        _warning(tree, WarningRule.VISIT_OVERDUE, f"more{i}", _at(3, 7 + i), due=_at(3, 20))
        _score(tree.grids[i % 2], dt.date(2026, 3, 10 + i), 5, "green")
    with CaptureQueriesContext(connection) as many:
        report.monthly(tree.users["community"], tree.communities[0], MARCH)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("query", "field"),
    [("month=2026-13", "month"), ("month=2099-01", "month"), ("month=2026-03&area=430104002001", "area")],
)
def test_it_refuses_a_bad_month_or_area_next_to_the_field(month, query, field):
    client = Client()
    client.force_login(month.users["community"])
    page = client.get(f"{reverse('risk:report')}?{query}")
    assert page.status_code == 400 and f'id="id_{field}-errors"' in page.content.decode()
    assert client.get(f"{reverse('risk:report-xlsx')}?{query}").status_code == 400


@pytest.mark.parametrize(("who", "status"), [("community", 200), ("centre", 200), ("stranger", 404)])
def test_it_shows_the_page_and_xlsx_to_members_only(month, who, status):
    tree = month
    client = Client()
    client.force_login(tree.users[who])
    query = f"?area={tree.communities[0].code}&month=2026-03"
    page = client.get(reverse("risk:report") + query)
    assert page.status_code == status
    if status != 200:
        return
    assert 'id="findings"' in page.content.decode()
    sheet = client.get(reverse("risk:report-xlsx") + query)
    book = load_workbook(io.BytesIO(sheet.content))
    assert len(book.sheetnames) == 7
    rows = list(book.worksheets[4].values)  # warnings
    assert [r[1:] for r in rows[3:]].count((1, 2, 2, 0, 0, 0)) == 1

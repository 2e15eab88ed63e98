"""Warnings routed like cases (docs/domain.md §17.2): the unit by the rule's level or by dispatch's routing of
the category, the deadline on the working-time calendar, the unit's notice, the queue, transfer, escalation by
hand and by the sweep, and who may act (owner / member / stranger)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from cases.models import Category
from dispatch.models import Notification, RoutingRule
from risk import services
from risk.models import RiskWarning, WarningRule
from risk.sweep import warnings_overdue
from worktime import calendar as working

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _opened(tree):
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    return (
        RiskWarning.objects.get(rule=WarningRule.REPEATED_PLACE),
        RiskWarning.objects.get(rule=WarningRule.VISIT_OVERDUE),
    )


def test_it_gives_each_warning_to_its_rules_unit_with_a_working_time_deadline(fixture_district):
    tree = fixture_district
    place, visit = _opened(tree)
    assert place.unit_area == tree.communities[0] and place.unit_level == "community"
    assert visit.unit_area == tree.communities[0]
    assert place.due_at == working.add_working_time(NOW, 5, "working_days", place.area_code)
    assert visit.due_at == working.add_working_time(NOW, 2, "working_days", visit.area_code)
    # Friday 20 March 09:00 + 2 working days: Tuesday 24 March, over the weekend.
    assert visit.due_at.astimezone(NOW.tzinfo).date() == dt.date(2026, 3, 24)
    told = Notification.objects.filter(kind="risk_warning", recipient=tree.users["community"])
    assert told.count() == 2
    assert not Notification.objects.filter(kind="risk_warning", recipient=tree.users["community_b"]).exists()


def test_it_sends_a_category_to_the_department_dispatch_routes_it_to(fixture_district):
    tree = fixture_district
    RoutingRule.objects.create(
        category=Category.objects.get(code="01001"), owner_area=tree.district, department=tree.departments[0]
    )
    place, visit = _opened(tree)
    assert place.unit_department == tree.departments[0] and place.unit_area is None
    assert visit.unit_area == tree.communities[0]  # a visit has no category: still the community's
    assert Notification.objects.filter(kind="risk_warning", recipient=tree.users["handler"]).count() == 1
    # The community sees the warning in its area but does not answer for it; the department does.
    with pytest.raises(PermissionDenied):
        services.warning_acknowledge(warning_id=place.pk, actor=tree.users["community"])
    services.warning_acknowledge(warning_id=place.pk, actor=tree.users["handler"])
    services.warning_close(warning_id=place.pk, actor=tree.users["handler"], outcome="已清运")


@pytest.mark.parametrize(
    ("who", "mine", "acts"),
    [
        ("community", True, True),
        ("street", False, True),
        ("community_b", False, False),
        ("stranger", None, False),
    ],
)
def test_it_queues_a_warning_for_its_unit_only(fixture_district, who, mine, acts):
    tree = fixture_district
    place, _visit = _opened(tree)
    client = Client()
    client.force_login(tree.users[who])
    page = client.get(reverse("risk:warnings"))
    if mine is None:
        assert page.status_code == 404
    else:
        assert (f'id="warning-{place.pk}"' in page.content.decode()) is mine
    client.post(reverse("risk:acknowledge", args=[place.pk]), {"from": "queue"})
    place.refresh_from_db()
    assert (place.status == "acknowledged") is acts


def test_it_transfers_with_a_reason_refused_next_to_the_field(fixture_district):
    tree = fixture_district
    place, _visit = _opened(tree)
    client = Client()
    client.force_login(tree.users["community"])
    url = reverse("risk:transfer", args=[place.pk])
    refused = client.post(url, {"unit": f"d:{tree.departments[0].pk}", "comment": ""})
    assert refused.status_code == 400 and f'id="errors-{place.pk}"' in refused.content.decode()
    elsewhere = client.post(url, {"unit": "a:430105001", "comment": "不是本区"})
    assert elsewhere.status_code == 400
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        done = client.post(url, {"unit": f"d:{tree.departments[0].pk}", "comment": "属城管职责"})
    assert done.status_code == 302
    place.refresh_from_db()
    assert place.unit_department == tree.departments[0] and place.unit_code == ""
    assert place.due_at == working.add_working_time(
        NOW + dt.timedelta(hours=1), 5, "working_days", place.area_code
    )
    assert list(place.events.values_list("kind", flat=True)) == ["opened", "transferred"]
    assert Notification.objects.filter(kind="risk_warning", recipient=tree.users["handler"]).exists()
    with pytest.raises(PermissionDenied):  # no longer the community's to move
        services.warning_transfer(
            warning_id=place.pk, actor=tree.users["community"], area_code=tree.streets[0].code, comment="x"
        )


def test_the_sweep_escalates_an_overdue_warning_one_unit_at_a_time(fixture_district):
    tree = fixture_district
    _place, visit = _opened(tree)
    late = visit.due_at + dt.timedelta(minutes=1)
    assert warnings_overdue(now=visit.due_at - dt.timedelta(minutes=1)) == 0
    assert warnings_overdue(now=late) == 1  # the visit (two working days); the place has five
    visit.refresh_from_db()
    assert visit.unit_area == tree.streets[0] and visit.escalation_level == 1 and visit.due_at > late
    assert warnings_overdue(now=late) == 0  # a fresh deadline: nothing twice
    assert Notification.objects.filter(kind="risk_warning", recipient=tree.users["street"]).exists()
    assert warnings_overdue(now=visit.due_at + dt.timedelta(minutes=1)) >= 1
    visit.refresh_from_db()
    assert visit.unit_area == tree.district and visit.escalation_level == 2
    assert warnings_overdue(now=visit.due_at + dt.timedelta(days=30)) >= 0
    visit.refresh_from_db()
    assert visit.unit_level == "district" and visit.escalation_level == 2  # the centre is the top
    assert list(visit.events.values_list("kind", flat=True)) == ["opened", "escalated", "escalated"]
    with pytest.raises(ValidationError):
        services.warning_escalate(warning_id=visit.pk, actor=tree.users["centre"])


@pytest.mark.parametrize(("who", "status"), [("community", 200), ("community_b", 404), ("stranger", 404)])
def test_the_api_transfers_and_escalates_for_the_unit_only(fixture_district, who, status):
    from rest_framework.test import APIClient

    tree = fixture_district
    place, _visit = _opened(tree)
    client = APIClient()
    client.force_authenticate(tree.users[who])
    url = f"/api/v1/risk/warnings/{place.pk}/"
    if status == 200:
        refused = client.post(url + "transfer/", {"department": 99999, "comment": "x"}, format="json")
        assert refused.status_code == 400 and "unit" in refused.json()["fields"]
        assert client.post(url + "transfer/", {"department": 1}, format="json").status_code == 400
    answer = client.post(url + "escalate/", {"comment": "需街道协调"}, format="json")
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["unit_code"] == tree.streets[0].code and answer.json()["escalation_level"] == 1

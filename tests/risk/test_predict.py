"""Predicted overdue (docs/domain.md §9.6) against a hand-computed history: category 01001 handled by the
城管局 (CG) passed the handling stage 10 times and ran late in it 4 times (r = 0.4); the community team of
community 0 passed it 3 times, late 3 times (too few: its cases fall back to the category, r = 7 / 13)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.events import event_append
from cases.models import Case, Category
from cases.workflow import Status
from risk import predict
from tests.factories import report

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 20, 9, tzinfo=SH)
H = dt.timedelta(hours=1)


def _closed(tree, *, late, **unit):
    case = report(tree, Category.objects.get(code="01001"))
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED,
        closed_at=NOW - dt.timedelta(days=10),
        handled_at=NOW - dt.timedelta(days=11),
        **unit,
    )
    if late:
        with transaction.atomic():
            event_append(
                case=case, kind="overdue", payload={"stage": "handle"}, at=NOW - dt.timedelta(days=12)
            )
    return case


def _open(tree, code="01001", *, used, span=20, alert="", **unit):
    """An open case in its handling stage that has used ``used`` hours of a ``span``-hour stage."""
    case = report(tree, Category.objects.get(code=code))
    Case.objects.filter(pk=case.pk).update(
        status=Status.ACCEPTED,
        stage="handle",
        stage_started_at=NOW - used * H,
        stage_due_at=NOW + (span - used) * H,
        alert=alert,
        **unit,
    )
    return case


@pytest.fixture
def history(tree):
    cg, team = tree.departments[0], tree.communities[0]
    for i in range(10):
        _closed(tree, late=i < 4, handling_department=cg)
    for _i in range(3):
        _closed(tree, late=True, handling_area=team)
    # Passed filing only (no handled_at): counts for nothing in the handling stage.
    case = report(tree, Category.objects.get(code="01001"))
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED, closed_at=NOW - dt.timedelta(days=3))
    return tree


def test_it_estimates_by_unit_and_falls_back_to_the_category_by_hand(history):
    tree = history
    cg, team = tree.departments[0], tree.communities[0]
    a = _open(tree, used=10, handling_department=cg)  # f = 0.5: 0.4 / (0.4 + 0.6 × 0.5) = 0.5714
    b = _open(tree, used=5, handling_area=team)  # f = 0.25, r = 7/13: 0.5385 / (0.5385 + 0.4615 × 0.75)
    c = _open(tree, used=2, handling_department=cg)  # f = 0.1: 0.4 / (0.4 + 0.54) = 0.4255, not likely
    d = _open(tree, "01002", used=10, handling_department=cg)  # no history: no estimate
    e = _open(tree, used=18, alert="yellow", handling_department=cg)  # already yellow: not predicted
    found = predict.estimates(Case.objects.all(), NOW)
    assert found[a.pk].basis == "unit" and found[a.pk].sample == 10 and found[a.pk].rate == pytest.approx(0.4)
    assert found[a.pk].probability == pytest.approx(0.4 / 0.7) and found[a.pk].percent == 57
    assert found[b.pk].basis == "category" and found[b.pk].sample == 13
    assert found[b.pk].rate == pytest.approx(7 / 13)
    assert (
        found[b.pk].probability == pytest.approx((7 / 13) / (7 / 13 + 6 / 13 * 0.75))
        and found[b.pk].percent == 61
    )
    assert found[c.pk].probability == pytest.approx(0.4 / 0.94) and not found[c.pk].likely
    assert d.pk not in found and e.pk not in found


def test_it_keeps_the_formula_at_its_ends():
    assert predict.probability(0.0, 0.9) == 0.0
    assert predict.probability(1.0, 0.0) == 1.0
    assert predict.probability(0.3, 0.0) == pytest.approx(0.3)  # nothing used: the history's rate
    assert predict.probability(0.3, 1.0) == 1.0  # all the time used and still open


def test_it_reads_in_a_fixed_number_of_queries(history):
    tree = history
    cg = tree.departments[0]
    _open(tree, used=10, handling_department=cg)
    with CaptureQueriesContext(connection) as few:
        predict.estimates(Case.objects.all(), NOW)
    for used in range(1, 15):
        _open(tree, used=used, handling_department=cg)
    with CaptureQueriesContext(connection) as many:
        assert len(predict.estimates(Case.objects.all(), NOW)) == 15
    assert len(many.captured_queries) == len(few.captured_queries) == 3


@pytest.mark.parametrize(
    ("who", "sees"), [("handler", True), ("community", True), ("community_b", False), ("stranger", None)]
)
def test_it_lists_likely_cases_to_their_unit_only(history, who, sees):
    tree = history
    a = _open(tree, used=10, handling_department=tree.departments[0])
    client = Client()
    client.force_login(tree.users[who])
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("risk:likely-overdue"))
        detail = client.get(reverse("cases:detail", args=[a.pk])) if sees else None
    if sees is None:
        assert page.status_code == 404
        return
    assert page.status_code == 200
    assert (a.number in page.content.decode()) is sees
    if sees:
        assert 'id="case-predicted"' in detail.content.decode() and "57%" in detail.content.decode()

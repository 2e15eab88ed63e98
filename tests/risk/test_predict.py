"""Predicted overdue (docs/domain.md §17.1) against a hand-computed history: category 01001 handled by the
城管局 (CG) passed the handling stage 10 times and ran late in it 4 times (r = 0.4); the community team of
community 0 passed it 3 times, late 3 times (too few: its cases fall back to the category, r = 7 / 13).

The elapsed fraction f runs on the stage's own clock: with the default windows (08:30–12:00, 14:00–17:30) a
working-hours stage started Thursday 19 March 2026 at 16:00 has used 1.5 h that evening and 1.5 h on Friday
morning by Friday 10:00 (NOW): 3 working hours, though 18 hours have passed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases.events import event_append
from cases.models import Case, Category
from cases.workflow import Status
from risk import predict
from risk.models import OverdueRate
from tests.factories import report
from worktime.calendar import schedule as calendar_schedule

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 20, 10, tzinfo=SH)  # a working Friday
THU, FRI, MON = (dt.datetime(2026, 3, d, tzinfo=SH) for d in (19, 20, 23))
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


def _open(tree, code="01001", *, started, due, clock="working_hours", alert="", **unit):
    """An open case in its handling stage, started and due at the given times, on a ``clock`` limit."""
    case = report(tree, Category.objects.get(code=code))
    Case.objects.filter(pk=case.pk).update(
        status=Status.ACCEPTED,
        stage="handle",
        stage_started_at=started,
        stage_due_at=due,
        stage_limit_unit=clock,
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
    predict.rates_refresh(NOW)
    return tree


def test_it_estimates_by_unit_and_falls_back_to_the_category_by_hand(history):
    tree = history
    cg, team = tree.departments[0], tree.communities[0]
    # Thu 16:00 → Fri 15:00: 1.5 + 3.5 + 1 = 6 working hours, 3 used (wall-clock: 18 of 23 h).
    a = _open(tree, started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=cg)
    # Fri 08:30 → 16:30: 6 working hours, 1.5 used, f = 0.25.
    b = _open(
        tree, started=FRI.replace(hour=8, minute=30), due=FRI.replace(hour=16, minute=30), handling_area=team
    )
    # Fri 09:00 → Mon 12:00: 3 + 3.5 + 3.5 = 10 working hours, 1 used, f = 0.1.
    c = _open(tree, started=FRI.replace(hour=9), due=MON.replace(hour=12), handling_department=cg)
    # A natural-hours stage runs day and night: Fri 08:00 → 12:00, 2 of 4 hours used, f = 0.5.
    n = _open(
        tree,
        started=FRI.replace(hour=8),
        due=FRI.replace(hour=12),
        clock="natural_hours",
        handling_department=cg,
    )
    # Started after Thursday's windows closed: the night does not count, 1.5 of 4.5 working hours, f = 1/3.
    z = _open(tree, started=THU.replace(hour=18), due=FRI.replace(hour=15), handling_department=cg)
    d = _open(tree, "01002", started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=cg)
    e = _open(tree, started=THU, due=FRI.replace(hour=11), alert="yellow", handling_department=cg)
    found = predict.estimates(Case.objects.all(), NOW)
    assert found[a.pk].basis == "unit" and found[a.pk].sample == 10 and found[a.pk].rate == pytest.approx(0.4)
    assert found[a.pk].elapsed == pytest.approx(0.5)  # 3 of 6 working hours, not 18 of 23 hours
    assert found[a.pk].probability == pytest.approx(0.4 / 0.7) and found[a.pk].percent == 57
    assert found[b.pk].basis == "category" and found[b.pk].sample == 13 and found[b.pk].elapsed == 0.25
    assert found[b.pk].rate == pytest.approx(7 / 13)
    assert (
        found[b.pk].probability == pytest.approx((7 / 13) / (7 / 13 + 6 / 13 * 0.75))
        and found[b.pk].percent == 61
    )
    assert found[c.pk].elapsed == pytest.approx(0.1)
    assert found[c.pk].probability == pytest.approx(0.4 / 0.94) and not found[c.pk].likely
    assert found[n.pk].elapsed == 0.5 and found[n.pk].percent == 57
    assert found[z.pk].elapsed == pytest.approx(1 / 3) and found[z.pk].probability == pytest.approx(0.4 / 0.8)
    assert d.pk not in found and e.pk not in found


def test_it_keeps_the_formula_at_its_ends():
    assert predict.probability(0.0, 0.9) == 0.0
    assert predict.probability(1.0, 0.0) == 1.0
    assert predict.probability(0.3, 0.0) == pytest.approx(0.3)  # nothing used: the history's rate
    assert predict.probability(0.3, 1.0) == 1.0  # all the time used and still open


def test_it_estimates_nothing_before_the_rates_are_stored(history):
    tree = history
    a = _open(
        tree, started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=tree.departments[0]
    )
    OverdueRate.objects.all().delete()
    assert predict.estimates(Case.objects.filter(pk=a.pk), NOW) == {}


def test_it_reads_in_a_fixed_number_of_queries(history, monkeypatch):
    tree = history
    cg = tree.departments[0]
    monkeypatch.setattr(calendar_schedule, "RECHECK_SECONDS", 3600)  # the calendar's copy is not re-read
    calendar_schedule.snapshot()
    _open(tree, started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=cg)
    with CaptureQueriesContext(connection) as few:
        predict.estimates(Case.objects.all(), NOW)
    for minute in range(14):
        _open(
            tree,
            started=THU.replace(hour=16, minute=minute),
            due=FRI.replace(hour=15),
            handling_department=cg,
        )
    with CaptureQueriesContext(connection) as many:
        assert len(predict.estimates(Case.objects.all(), NOW)) == 15
    assert len(many.captured_queries) == len(few.captured_queries) == 2


@pytest.mark.parametrize(
    ("who", "sees"), [("handler", True), ("community", True), ("community_b", False), ("stranger", None)]
)
def test_it_lists_likely_cases_to_their_unit_only(history, who, sees):
    tree = history
    a = _open(
        tree, started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=tree.departments[0]
    )
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


# --- The case lists: the queues and the API (cases.extensions.row_badges) -------------------------------


def _likely_cases(tree, n):
    """``n`` cases of the 城管局 that have used half their working time (57 % each)."""
    cg = tree.departments[0]
    return [
        _open(tree, started=THU.replace(hour=16), due=FRI.replace(hour=15), handling_department=cg)
        for _ in range(n)
    ]


def _queue_page(client):
    with time_machine.travel(NOW, tick=False):
        return client.get("/cases/", {"queue": "all"})


def test_it_badges_the_likely_rows_of_the_queue_before_the_yellow_warning(history, settings):
    tree = history
    settings.LANGUAGE_CODE = "zh-hans"  # the unit's own language
    cg = tree.departments[0]
    (a,) = _likely_cases(tree, 1)
    c = _open(tree, started=FRI.replace(hour=9), due=MON.replace(hour=12), handling_department=cg)  # 43 %
    e = _open(tree, started=THU, due=FRI.replace(hour=11), alert="yellow", handling_department=cg)
    client = Client()
    client.force_login(tree.users["handler"])
    page = _queue_page(client)
    assert page.status_code == 200
    badges = {case.pk: found for case, found in page.context["rows"]}
    assert [b["key"] for b in badges[a.pk]] == ["predicted"] and badges[c.pk] == badges[e.pk] == []
    html = page.content.decode()
    assert html.count('data-badge="predicted"') == 1 and "预计超期 57%" in html
    assert "4 of the last 10" not in html and "最近10件中有4件" in html  # the reason on hover, in Chinese


def test_it_lists_the_queue_in_the_same_queries_however_many_rows_are_badged(history, monkeypatch):
    tree = history
    monkeypatch.setattr(calendar_schedule, "RECHECK_SECONDS", 3600)
    client = Client()
    client.force_login(tree.users["handler"])
    _likely_cases(tree, 1)
    _queue_page(client)  # warm the calendar's copy and the session
    with CaptureQueriesContext(connection) as few:
        assert _queue_page(client).content.decode().count('data-badge="predicted"') == 1
    _likely_cases(tree, 12)
    with CaptureQueriesContext(connection) as many:
        assert _queue_page(client).content.decode().count('data-badge="predicted"') == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_badges_the_api_list_in_the_same_queries_however_many_rows(history, monkeypatch):
    tree = history
    monkeypatch.setattr(calendar_schedule, "RECHECK_SECONDS", 3600)
    client = APIClient()
    client.force_authenticate(tree.users["handler"])

    def listed():
        with time_machine.travel(NOW, tick=False):
            answer = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 200
        return {row["id"]: row["badges"] for row in answer.json()["results"]}

    (a,) = _likely_cases(tree, 1)
    listed()
    with CaptureQueriesContext(connection) as few:
        rows = listed()
    badge = rows[a.pk][0]
    assert badge["key"] == "predicted" and badge["label"] == "Predicted overdue 57%"
    assert badge["data"] == {
        "probability": 0.5714,
        "rate": 0.4,
        "sample": 10,
        "basis": "unit",
        "elapsed": 0.5,
    }
    assert "4 of the last 10 cases of this category at this unit" in badge["detail"]
    _likely_cases(tree, 12)
    with CaptureQueriesContext(connection) as many:
        assert sum(1 for badges in listed().values() if badges) == 13
    assert len(many.captured_queries) == len(few.captured_queries)

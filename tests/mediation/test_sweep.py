import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dispatch.models import Notification
from dispatch.sweep import sweep
from grids.models import Area, Level
from mediation import services
from mediation.models import DisputeEvent, ScreeningWarning
from mediation.sweep import disputes_escalate, follow_ups_remind, screenings_warn

from .conftest import record

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _at(day, hour=9):
    return dt.datetime(2026, 12, day, hour, tzinfo=SH)


def test_grids_are_not_warned_before_the_deadline(tree):
    with time_machine.travel(_at(25, 23), tick=False):
        assert screenings_warn() == 0
    assert not ScreeningWarning.objects.exists()


def test_grids_without_a_screening_are_warned_once_after_the_deadline(tree):
    with time_machine.travel(_at(10), tick=False):
        services.screening_file(
            actor=tree.users["worker"], area=tree.grids[0], month=dt.date(2026, 12, 1), nothing_found=True
        )
    with time_machine.travel(_at(26, 0), tick=False):
        warned = screenings_warn()
        assert screenings_warn() == 0  # claimed: the next sweep warns nobody again
    grids = Area.objects.filter(level=Level.GRID, is_active=True).count()
    assert warned == grids - 1
    assert not ScreeningWarning.objects.filter(area=tree.grids[0]).exists()
    worker2 = Notification.objects.filter(recipient=tree.users["worker2"], kind="screening_missing")
    community = Notification.objects.filter(recipient=tree.users["community"], kind="screening_missing")
    assert worker2.count() == 1 and community.count() == 1  # grid 1 missing: its worker and its community
    assert not Notification.objects.filter(recipient=tree.users["worker"], kind="screening_missing").exists()
    assert DisputeEvent.objects.filter(kind="screening_missing").count() == warned


def test_the_one_sweep_runs_the_mediation_steps(tree):
    with time_machine.travel(_at(27), tick=False):
        result = sweep()
    assert result.steps["screenings_warn"] > 0
    assert {"disputes_escalate", "follow_ups_remind"} <= set(result.steps)


def test_a_high_risk_dispute_unresolved_past_the_limit_escalates_once_to_street_and_centre(tree):
    with time_machine.travel(_at(1), tick=False):
        high = record(tree, risk_level="high", risk_reason="扬言报复")
        record(tree, risk_level="medium")
    with time_machine.travel(_at(3, 23), tick=False):
        assert disputes_escalate() == 0  # under three days
    with time_machine.travel(_at(4, 10), tick=False):
        assert disputes_escalate() == 1
        assert disputes_escalate() == 0
    high.refresh_from_db()
    assert high.escalated_at is not None
    for who in ("street", "centre"):
        assert Notification.objects.filter(recipient=tree.users[who], kind="dispute_escalated").count() == 1
    assert (
        not Notification.objects.filter(recipient=tree.users["street"], kind="dispute_escalated")
        .exclude(title__contains=high.title)
        .exists()
    )
    assert DisputeEvent.objects.get(kind="escalated").dispute == high


def test_a_high_risk_dispute_closed_in_time_does_not_escalate(tree):
    with time_machine.travel(_at(1), tick=False):
        high = record(tree, risk_level="high", risk_reason="扬言报复")
        services.dispute_close(actor=tree.users["worker"], dispute_id=high.pk, reason="撤回")
    with time_machine.travel(_at(9), tick=False):
        assert disputes_escalate() == 0


def test_a_follow_up_visit_falling_due_is_put_to_the_grid_team_once(tree, mediator):
    from tests.factories import photo

    from .conftest import mediated

    with time_machine.travel(_at(1), tick=False):
        dispute = mediated(tree, mediator)
        worker = tree.users["worker"]
        services.dispute_conclude(
            actor=worker, dispute_id=dispute.pk, outcome="agreement", agreement_text="维修"
        )
        for party in dispute.parties.all():
            services.signature_record(actor=worker, dispute_id=dispute.pk, party_id=party.pk, upload=photo())
        services.dispute_follow(actor=worker, dispute_id=dispute.pk)
    with time_machine.travel(_at(7), tick=False):
        assert follow_ups_remind() == 0
    with time_machine.travel(_at(8), tick=False):
        assert follow_ups_remind() == 1
        assert follow_ups_remind() == 0
    assert Notification.objects.filter(recipient=worker, kind="dispute_follow_up").count() == 1

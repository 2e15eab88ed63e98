"""The evaluate step: the reporter rates, staff record a phone callback, a citizen rates by link, and the
callback window closes the step as "no response"."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.tasks import lapse_unanswered_evaluations
from cases.tokens import case_id_for_token, citizen_token
from cases.workflow import Status

from .test_workflow import run_loop_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(tree, new_case):
    return run_loop_to(tree, new_case, "close")


def test_it_records_a_phone_callback_by_staff(tree, closed):
    services.case_evaluate(
        case_id=closed.pk,
        actor=tree.users["community"],
        satisfaction="basically_satisfied",
        channel="phone",
        comment="电话回访，基本满意",
    )
    closed.refresh_from_db()
    assert closed.satisfaction == "basically_satisfied"
    assert closed.events.get(kind="evaluate").payload["channel"] == "phone"


def test_a_stranger_cannot_rate(tree, closed):
    with pytest.raises(PermissionDenied):
        services.case_evaluate(case_id=closed.pk, actor=tree.users["stranger"], satisfaction="satisfied")


def test_no_response_is_not_a_rating_anyone_may_give(tree, closed):
    with pytest.raises(ValidationError) as err:
        services.case_evaluate(case_id=closed.pk, actor=tree.users["worker"], satisfaction="no_response")
    assert "satisfaction" in err.value.message_dict
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


def test_a_citizen_rates_through_the_link(tree, closed):
    token = citizen_token(closed)
    assert case_id_for_token(token) == closed.pk
    services.case_evaluate_by_token(token=token, satisfaction="dissatisfied", comment="还有味道")
    closed.refresh_from_db()
    assert closed.satisfaction == "dissatisfied"
    event = closed.events.get(kind="evaluate")
    assert event.actor_id is None and event.payload["channel"] == "link"


def test_a_forged_link_is_refused(tree, closed):
    forged = closed.public_id + ":not-the-signature"
    assert case_id_for_token(forged) is None
    with pytest.raises(PermissionDenied):
        services.case_evaluate_by_token(token=forged, satisfaction="satisfied")
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


def test_the_callback_window_closes_unanswered_cases(tree, closed, new_case, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "CALLBACK_WINDOW_DAYS": 7}
    lapse_unanswered_evaluations()
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED  # still inside the window
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert lapse_unanswered_evaluations() == 1
        assert lapse_unanswered_evaluations() == 0  # idempotent
    closed.refresh_from_db()
    assert closed.status == Status.EVALUATED and closed.satisfaction == "no_response"
    assert closed.events.get(kind="lapse_evaluation").actor_id is None


def test_rated_cases_are_left_alone_by_the_window(tree, closed):
    services.case_evaluate(case_id=closed.pk, actor=tree.users["worker"], satisfaction="satisfied")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert lapse_unanswered_evaluations() == 0
    assert Case.objects.get(pk=closed.pk).satisfaction == "satisfied"


def test_the_api_records_a_phone_callback(tree, closed):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(tree.users["community"])
    bad = client.post(f"/api/v1/cases/{closed.pk}/evaluate/", {"satisfaction": "meh"}, format="json")
    assert bad.status_code == 400 and "satisfaction" in bad.json()["fields"]
    ok = client.post(
        f"/api/v1/cases/{closed.pk}/evaluate/",
        {"satisfaction": "satisfied", "channel": "phone"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["satisfaction"] == "satisfied"

"""The 12345 request types: an enquiry, suggestion or praise answered directly; an order that is not the
district's sent back to the hotline (退单) within the hotline's limit; both end the filing stage on time."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from assessment.records import record_values
from cases import services
from cases.models import Case, CaseEvent
from intake.models import WebhookDelivery
from tests.factories import report

from .conftest import client_for, order

pytestmark = pytest.mark.django_db
URL = "/api/v1/intake/hotline/orders/"


def _order_case(tree, hotline, **overrides):
    response = client_for(hotline).post(URL, order(tree, **overrides), format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(number=response.json()["case_number"])


def test_it_keeps_the_request_type_on_the_case_and_its_report_event(tree, hotline):
    case = _order_case(tree, hotline, request_type="consult")
    assert case.request_type == "consult"
    assert case.events.get(kind="report").payload["request_type"] == "consult"


def test_an_order_without_a_type_is_an_ordinary_case(tree, hotline):
    case = _order_case(tree, hotline)
    assert case.request_type == ""
    with pytest.raises(ValidationError):
        services.case_answer(case_id=case.pk, actor=tree.users["community"], result="已答复")


def test_an_unknown_type_is_refused_by_field(tree, hotline):
    response = client_for(hotline).post(URL, order(tree, request_type="gossip"), format="json")
    assert response.status_code == 400
    assert "request_type" in response.json()["fields"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("kind", ["consult", "suggestion", "praise"])
def test_it_answers_a_request_that_needs_no_dispatch(tree, hotline, kind):
    case = _order_case(tree, hotline, request_type=kind)
    services.case_answer(case_id=case.pk, actor=tree.users["community"], result="已电话答复来电人")
    case.refresh_from_db()
    assert (case.status, case.close_type, case.result) == ("closed", "answered", "已电话答复来电人")
    assert case.closed_at is not None and case.stage_due_at is None
    record = record_values(case, case.events.order_by("seq"))
    assert record["responded_on_time"] is True and record["close_type"] == "answered"


@pytest.mark.parametrize("kind", ["help", "complaint", "tip_off"])
def test_it_refuses_to_answer_a_request_that_needs_a_unit(tree, hotline, kind):
    case = _order_case(tree, hotline, request_type=kind)
    with pytest.raises(ValidationError):
        services.case_answer(case_id=case.pk, actor=tree.users["community"], result="已答复")
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_an_answer_needs_its_words_and_a_unit_of_the_case(tree, hotline):
    case = _order_case(tree, hotline, request_type="consult")
    with pytest.raises(ValidationError):
        services.case_answer(case_id=case.pk, actor=tree.users["community"], result="  ")
    with pytest.raises(PermissionDenied):
        services.case_answer(case_id=case.pk, actor=tree.users["worker"], result="已答复")
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_it_sends_an_order_back_to_the_hotline_with_the_reason(
    tree, hotline, django_capture_on_commit_callbacks
):
    hotline.webhook_url = "https://hotline.example/callback"
    hotline.save()
    case = _order_case(tree, hotline, request_type="complaint")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_return_to_hotline(
            case_id=case.pk, actor=tree.users["community"], reason="该路段属相邻区管辖"
        )
    case.refresh_from_db()
    assert case.status == "voided" and case.voided_at is not None
    event = CaseEvent.objects.get(case=case, kind="return_to_hotline")
    assert event.comment == "该路段属相邻区管辖"
    delivery = WebhookDelivery.objects.get(integration=hotline, case=case, kind="return_to_hotline")
    assert delivery.payload["text"] == "该路段属相邻区管辖"
    assert delivery.payload["case"]["external_id"] == "GD-0001"


def test_it_refuses_to_send_back_past_the_limit_or_without_a_reason(tree, hotline, settings):
    case = _order_case(tree, hotline)
    with pytest.raises(ValidationError):
        services.case_return_to_hotline(case_id=case.pk, actor=tree.users["community"], reason="")
    later = case.reported_at + dt.timedelta(hours=settings.GRIDGOV["HOTLINE_RETURN_HOURS"], minutes=1)
    with time_machine.travel(later), pytest.raises(ValidationError):
        services.case_return_to_hotline(case_id=case.pk, actor=tree.users["community"], reason="非本区")
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_only_a_hotline_case_goes_back_to_the_hotline(tree, rubbish):
    case = report(tree, rubbish)
    with pytest.raises(ValidationError):
        services.case_return_to_hotline(case_id=case.pk, actor=tree.users["community"], reason="非本区")


def test_the_api_offers_the_answer_only_where_it_is_allowed(tree, hotline):
    consult = _order_case(tree, hotline, request_type="consult", external_id="GD-0002")
    complaint = _order_case(tree, hotline, request_type="complaint")
    client = APIClient()
    client.force_authenticate(tree.users["community"])
    allowed = client.get(f"/api/v1/cases/{consult.pk}/").json()["allowed_actions"]
    assert "answer" in allowed and "return-to-hotline" in allowed
    allowed = client.get(f"/api/v1/cases/{complaint.pk}/").json()["allowed_actions"]
    assert "answer" not in allowed and "return-to-hotline" in allowed
    response = client.post(
        f"/api/v1/cases/{consult.pk}/answer/", {"version": consult.version, "result": ""}, format="json"
    )
    assert response.status_code == 400 and "result" in response.json()["fields"]

"""Webhook payloads carry the case's identity and state only: nothing an integration could read a
resident's ID number or birth date from, whatever was typed into the order."""

import datetime as dt
import json

import pytest

from cases import services
from cases.models import Case
from intake.models import WebhookDelivery
from residents import idcard

from .conftest import client_for, order

pytestmark = pytest.mark.django_db


def test_a_webhook_payload_carries_no_personal_numbers(
    tree, hotline, receiver, django_capture_on_commit_callbacks
):
    number = idcard.make("430104", dt.date(1975, 3, 9), 212)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hotline).post(
            "/api/v1/intake/hotline/orders/",
            order(tree, content=f"来电人身份证号{number}，三天无人清运"),
            format="json",
        )
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_file(case_id=case.pk, actor=tree.users["community"])
    assert WebhookDelivery.objects.exists() and receiver.requests
    for text in [json.dumps(d.payload) for d in WebhookDelivery.objects.all()] + [
        r.data.decode() for r in receiver.requests
    ]:
        assert number not in text and "19750309" not in text and "1975-03-09" not in text
        assert "13800001234" not in text
        assert set(json.loads(text)) == {"event", "event_seq", "occurred_at", "case"}

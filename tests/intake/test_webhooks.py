"""Outbound webhooks: one signed delivery per change of an integration's case, retried with backoff."""

import hashlib
import hmac
import json
import urllib.error
from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case
from intake import webhooks
from intake.models import WebhookDelivery, WebhookStatus

from .conftest import client_for, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotline_case(tree, hotline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hotline).post("/api/v1/intake/hotline/orders/", order(tree), format="json")
    return Case.objects.get()


def test_a_status_change_is_posted_signed_to_the_integration(
    tree, hotline, hotline_case, receiver, django_capture_on_commit_callbacks
):
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_file(case_id=hotline_case.pk, actor=tree.users["community"])
    [request] = receiver.requests
    assert request.full_url == "https://hotline.example/hook"
    body = json.loads(request.data)
    assert body["event"] == "file"
    assert body["case"]["status"] == "filed" and body["case"]["number"] == hotline_case.number
    assert body["case"]["external_id"] == "GD-0001"
    headers = {k.lower(): v for k, v in request.header_items()}
    timestamp = headers["x-gridgov-timestamp"]
    expected = hmac.new(
        hotline.webhook_secret.encode(), timestamp.encode() + b"." + request.data, hashlib.sha256
    )
    assert headers["x-gridgov-signature"] == "sha256=" + expected.hexdigest()
    delivery = WebhookDelivery.objects.get(kind="file")
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 1, 200)


def test_the_signature_fails_for_a_changed_body_or_timestamp(hotline):
    body = b'{"event":"close"}'
    signature = webhooks.sign(hotline.webhook_secret, "1700000000", body)
    assert signature != webhooks.sign(hotline.webhook_secret, "1700000001", body)
    assert signature != webhooks.sign(hotline.webhook_secret, "1700000000", body + b" ")
    assert signature != webhooks.sign("another-secret", "1700000000", body)


def test_hearing_a_change_twice_makes_one_delivery(hotline_case):
    first = webhooks.deliveries_for_change(hotline_case.pk, "report")
    again = webhooks.deliveries_for_change(hotline_case.pk, "report")
    assert again == [] or again == first
    assert WebhookDelivery.objects.filter(kind="report").count() == 1


def test_cases_of_others_are_not_posted(tree, hotline, rubbish, receiver, django_capture_on_commit_callbacks):
    from tests.cases.conftest import report

    with django_capture_on_commit_callbacks(execute=True):
        case = report(tree, rubbish)
        services.case_file(case_id=case.pk, actor=tree.users["community"])
    assert receiver.requests == [] and WebhookDelivery.objects.count() == 0


def test_a_failed_attempt_is_retried_with_backoff_then_sent(hotline_case, receiver):
    [delivery_id] = WebhookDelivery.objects.values_list("pk", flat=True)
    WebhookDelivery.objects.filter(pk=delivery_id).update(status="pending", attempts=0)
    receiver.codes = [503, urllib.error.URLError("connection refused")]
    now = timezone.now()
    with pytest.raises(webhooks.AttemptFailed):
        webhooks.deliver(delivery_id, at=now)
    row = WebhookDelivery.objects.get(pk=delivery_id)
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 503)
    assert row.next_attempt_at == now + timedelta(seconds=30)
    with pytest.raises(webhooks.AttemptFailed):
        webhooks.deliver(delivery_id, at=now)
    assert WebhookDelivery.objects.get(pk=delivery_id).next_attempt_at == now + timedelta(seconds=60)
    assert "connection refused" in WebhookDelivery.objects.get(pk=delivery_id).last_error
    assert webhooks.deliver(delivery_id, at=now) == "sent"
    assert webhooks.deliver(delivery_id, at=now) == "sent"  # a duplicated message sends nothing more
    assert len(receiver.requests) == 1 + 3  # the report's delivery at creation, then three attempts


def test_the_task_retries_until_it_gives_up_and_the_failure_stays_visible(hotline_case, receiver):
    [delivery_id] = WebhookDelivery.objects.values_list("pk", flat=True)
    WebhookDelivery.objects.filter(pk=delivery_id).update(status="pending", attempts=0)
    receiver.requests.clear()
    receiver.codes = [500] * 20
    from intake.tasks import deliver_webhook

    deliver_webhook.delay(delivery_id)  # eager: each retry runs at once instead of after its countdown
    row = WebhookDelivery.objects.get(pk=delivery_id)
    assert (row.status, row.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert row.last_error.startswith("HTTP 500")


def test_the_sweep_requeues_pending_deliveries_whose_message_was_lost(
    hotline_case, receiver, django_capture_on_commit_callbacks
):
    [delivery_id] = WebhookDelivery.objects.values_list("pk", flat=True)
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status="pending", attempts=0, next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.deliveries_requeue() == 1
    assert WebhookDelivery.objects.get(pk=delivery_id).status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.deliveries_requeue() == 0


def test_only_the_centre_may_send_a_failed_delivery_again(
    tree, hotline_case, receiver, django_capture_on_commit_callbacks
):
    from django.core.exceptions import PermissionDenied

    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookStatus.FAILED, attempts=8)
    with pytest.raises(PermissionDenied):
        webhooks.delivery_retry(delivery_id=delivery.pk, actor=tree.users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_retry(delivery_id=delivery.pk, actor=tree.users["centre"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_the_beat_task_requeues_through_the_same_service(
    hotline_case, receiver, django_capture_on_commit_callbacks
):
    from intake.tasks import redeliver_webhooks

    WebhookDelivery.objects.update(
        status="pending", attempts=0, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert redeliver_webhooks.delay().get() == 1
    assert WebhookDelivery.objects.get().status == "sent"

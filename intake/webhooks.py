"""Outbound webhooks: status changes of an integration's cases, POSTed to its URL, signed, retried.

Who hears what: an integration hears the changes of the cases it brought in (it is their reporter), and of
the cases those were merged into (its callers follow the original). One ``WebhookDelivery`` per change and
integration, keyed by the case event, so a signal heard twice makes one delivery.

The request: ``POST <webhook_url>`` with a JSON body and the headers

    X-GridGov-Event: <change>            X-GridGov-Delivery: <delivery id>
    X-GridGov-Timestamp: <unix seconds>  X-GridGov-Signature: sha256=<hex HMAC-SHA256>

The HMAC (key: the integration's webhook secret) covers ``<timestamp>.<body>``, so a receiver that checks
the signature and refuses timestamps older than a few minutes cannot be fed a replayed request.

Attempts: any 2xx is sent; anything else (status, timeout, refused connection) is a failed attempt,
retried after 30 s, 1 min, 2 min, … (capped at an hour) up to ``MAX_ATTEMPTS``, then the delivery is
failed and shows on the centre's integrations page, where it can be sent again. The deliveries are an
outbox (``gridgov.outbox``): the attempt count lives on the row and each attempt is claimed by
compare-and-set, so a re-queued message never sends twice; publishing pauses after a broker failure.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent
from gridgov import outbox

from .models import HotlineOrder, Integration, WebhookDelivery, WebhookStatus
from .selectors import may_manage_integrations

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# One message per delivery: a slow receiver holds up one worker, not a batch of other integrations.
OUTBOX = outbox.Outbox(model=WebhookDelivery, task="intake.tasks.deliver_webhook", max_attempts=MAX_ATTEMPTS)


class AttemptFailed(outbox.RetryLater):
    """This attempt failed and another is due later."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# --- Creating deliveries (from the case_changed receiver) ---------------------------------------------

_LISTENERS_TTL = 30.0
_listeners: tuple[float, frozenset] = (float("-inf"), frozenset())


def webhook_users() -> frozenset:
    """Service users of the active integrations that have a webhook, kept in memory for ``_LISTENERS_TTL``
    seconds: every case change in the district asks, and almost none concern an integration."""
    global _listeners
    if time.monotonic() - _listeners[0] > _LISTENERS_TTL:
        users = (
            Integration.objects.filter(is_active=True)
            .exclude(webhook_url="")
            .values_list("user_id", flat=True)
        )
        _listeners = (time.monotonic(), frozenset(users))
    return _listeners[1]


@receiver(post_save, sender=Integration, dispatch_uid="intake.webhooks.integration_saved")
def _integration_saved(**kwargs):
    global _listeners
    _listeners = (float("-inf"), frozenset())


def deliveries_for_change(case_id: int, kind: str, *, at=None) -> list[int]:
    """Pending deliveries for every integration listening to this case; published on commit."""
    if not webhook_users():
        return []
    case = (
        Case.objects.filter(pk=case_id)
        .only(
            "id",
            "reporter_id",
            "public_id",
            "number",
            "status",
            "satisfaction",
            "close_type",
            "result",
            "updated_at",
        )
        .first()
    )
    if case is None:
        return []
    followers = Case.objects.filter(duplicate_of_id=case_id).values("reporter_id")
    listeners = list(
        Integration.objects.filter(
            Q(user_id=case.reporter_id) | Q(user_id__in=followers), is_active=True
        ).exclude(webhook_url="")
    )
    if not listeners:
        return []
    event = (
        CaseEvent.objects.filter(case_id=case_id, kind=kind)
        .order_by("-seq")
        .only("seq", "created_at", "comment")
        .first()
    )
    seq = event.seq if event else 0
    at = at or timezone.now()
    rows = [
        WebhookDelivery(
            integration=i,
            case_id=case_id,
            kind=kind,
            key=f"case:{case_id}:event:{seq}:{kind}"[:80],
            payload=_payload(case, kind, seq, event, i),
            next_attempt_at=at,
        )
        for i in listeners
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        WebhookDelivery.objects.filter(
            case_id=case_id, key__in=[r.key for r in rows], status=WebhookStatus.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    OUTBOX.publish_on_commit(ids)
    return ids


def _payload(case, kind, seq, event, integration):
    order = HotlineOrder.objects.filter(case_id=case.pk, integration=integration).values_list(
        "external_id", flat=True
    )
    # The hotline relays these words to the caller: the answer given, or why the order came back (退单).
    words = {"answer": case.result, "return_to_hotline": event.comment if event else ""}
    return {
        "event": kind,
        "event_seq": seq,
        **({"text": words[kind]} if kind in words else {}),
        "occurred_at": (event.created_at if event else timezone.now()).isoformat(),
        "case": {
            "public_id": case.public_id,
            "number": case.number,
            "status": case.status,
            "satisfaction": case.satisfaction,
            "close_type": case.close_type,
            "external_id": order.first() or "",
        },
    }


# --- Sending ------------------------------------------------------------------------------------------


def deliver(delivery_id: int, *, at=None) -> str:
    """One attempt if the delivery is pending. Raises ``AttemptFailed`` when a retry is due later."""
    claim = OUTBOX.claim(delivery_id, at=at or timezone.now())
    if claim.attempt is None:
        return claim.status
    delivery = WebhookDelivery.objects.select_related("integration").get(pk=delivery_id)
    code, error = _post(delivery)
    if error is None:
        return OUTBOX.sent(delivery_id, response_code=code)
    log.warning(
        "webhook delivery %s to %s failed (attempt %d): %s",
        delivery_id,
        delivery.integration,
        claim.attempt,
        error,
    )
    status = OUTBOX.attempt_failed(
        delivery_id,
        attempt=claim.attempt,
        error=error,
        final=not delivery.integration.is_active,  # nobody listens any more: no retries
        response_code=code,
    )
    if status == WebhookStatus.FAILED:
        return WebhookStatus.FAILED
    raise AttemptFailed(error)


def _post(delivery) -> tuple[int | None, str | None]:
    """(response code, error or None)."""
    integration = delivery.integration
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        integration.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "GridGov-Webhook/1",
            "X-GridGov-Event": delivery.kind,
            "X-GridGov-Delivery": str(delivery.pk),
            "X-GridGov-Timestamp": timestamp,
            "X-GridGov-Signature": sign(integration.webhook_secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except Exception as exc:
        return None, repr(exc)
    return (code, None) if 200 <= code < 300 else (code, f"HTTP {code}")


# --- Re-queue and retry ---------------------------------------------------------------------------------


def deliveries_requeue(*, now=None) -> int:
    """Queue again pending deliveries whose attempt time has long passed (lost message, dead worker)."""
    return OUTBOX.requeue(now or timezone.now())


def delivery_retry(*, delivery_id: int, actor) -> WebhookDelivery:
    """The centre sends a failed delivery again, with a fresh series of attempts."""
    if not may_manage_integrations(actor):
        raise PermissionDenied(_("Only the district centre manages integrations."))
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != WebhookStatus.FAILED:
            return delivery
        delivery.status, delivery.attempts, delivery.next_attempt_at = (
            WebhookStatus.PENDING,
            0,
            timezone.now(),
        )
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        log.info("webhook delivery %s re-sent by %s", delivery_id, actor)
        OUTBOX.publish_on_commit([delivery_id])
        return delivery

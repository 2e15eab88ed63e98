"""Notifications: the in-app inbox (always) and copies through the configured outside channels.

``notify`` writes inbox rows and pending deliveries in the caller's transaction, and publishes the
deliveries to the broker only on commit. The deliveries are an outbox (``gridgov.outbox``: publish with the
broker pause, compare-and-set claim, back-off, re-queue); this module says what a delivery is and does.
A failed publish is logged, never raised: the case action has committed, the inbox rows exist, and the
sweep re-queues pending deliveries whose time has passed.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gridgov import outbox

from ..models import DeliveryStatus, Notification, NotificationDelivery
from .backends import DeliveryFailed, backend_for, configured_backends

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A batch per publish (a notice goes to several people at once); a retry is one delivery on its own.
OUTBOX = outbox.Outbox(
    model=NotificationDelivery,
    task="dispatch.tasks.deliver_notifications",
    retry_task="dispatch.tasks.deliver_notification",
    batch=True,
    max_attempts=MAX_ATTEMPTS,
)


@dataclass
class Message:
    """One notice to a set of users."""

    recipients: set
    kind: str
    title: str
    key: str
    body: str = ""
    case_id: int | None = None
    priority: int = 0
    extra: dict = field(default_factory=dict)


def notify(messages, *, at=None) -> list[int]:
    """Write inbox rows and their deliveries; publish the deliveries on commit. Returns delivery ids.

    A message already written for a recipient (same key) is skipped, so re-running a receiver or a
    task never duplicates a notice.
    """
    at = at or timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            case_id=m.case_id,
            kind=m.kind,
            priority=m.priority,
            title=m.title[:200],
            body=m.body,
            key=m.key[:80],
            created_at=at,
        )
        for m in messages
        for user_id in sorted(m.recipients)
    ]
    if not rows:
        return []
    keys = {(r.recipient_id, r.key) for r in rows}
    existing = _existing(keys)
    fresh = [r for r in rows if (r.recipient_id, r.key) not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    backends = configured_backends()
    users = _users({r.recipient_id for r in fresh}) if backends else {}
    wanted = {
        (r.recipient_id, r.key) for r in fresh if any(b.accepts(users[r.recipient_id], r) for b in backends)
    }
    if not wanted:
        return []  # inbox only: nobody here has an outside channel for these
    # ignore_conflicts leaves pks unset on some databases: read back what was written.
    written = _written(wanted, at)
    for n in written:
        n.recipient = users[n.recipient_id]
    deliveries = [
        NotificationDelivery(notification=n, channel=b.channel, next_attempt_at=at)
        for n in written
        for b in backends
        if b.accepts(n.recipient, n)
    ]
    NotificationDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        NotificationDelivery.objects.filter(
            notification__in=[n.pk for n in written], status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        urgent = any(n.priority for n in written)
        transaction.on_commit(lambda: publish(ids, urgent=urgent))
    return ids


def _users(ids):
    return {
        u.pk: u for u in get_user_model().objects.filter(pk__in=ids).only("id", "username", "email", "phone")
    }


def _existing(keys):
    if not keys:
        return set()
    users = {u for u, _k in keys}
    names = {k for _u, k in keys}
    return set(
        Notification.objects.filter(recipient_id__in=users, key__in=names).values_list("recipient_id", "key")
    )


def _written(keys, at):
    users = {u for u, _k in keys}
    names = {k for _u, k in keys}
    rows = Notification.objects.filter(recipient_id__in=users, key__in=names, created_at=at)
    return [n for n in rows if (n.recipient_id, n.key) in keys]


def publish(delivery_ids, *, urgent=False, probe=False) -> bool:
    """Hand deliveries to the broker (urgent ones first). Never raises: a broker outage must not fail the
    caller; what was not handed over stays pending for the sweep's re-queue."""
    return OUTBOX.publish(delivery_ids, probe=probe, priority=9 if urgent else 5)


def broker_reset():
    """Forget an earlier publish failure (tests; or an operator who knows the broker is back)."""
    outbox.broker.reset()


def deliver(delivery_id, *, at=None) -> str:
    """Send one delivery if it is still pending. Returns the resulting status.

    Raises ``DeliveryFailed`` after a failed attempt that may be retried (the caller schedules the retry).
    """
    claim = OUTBOX.claim(delivery_id, at=at or timezone.now())
    if claim.attempt is None:
        return claim.status
    delivery = NotificationDelivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    backend = backend_for(delivery.channel)
    if backend is None:
        NotificationDelivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.SKIPPED, last_error="channel no longer configured"
        )
        return DeliveryStatus.SKIPPED
    try:
        backend.send(delivery.notification.recipient, delivery.notification)
    except Exception as exc:
        log.warning(
            "delivery %s via %s failed (attempt %d): %r", delivery_id, delivery.channel, claim.attempt, exc
        )
        if (
            OUTBOX.attempt_failed(delivery_id, attempt=claim.attempt, error=repr(exc))
            == DeliveryStatus.FAILED
        ):
            return DeliveryStatus.FAILED
        raise DeliveryFailed(str(exc)) from exc
    return OUTBOX.sent(delivery_id)


def deliveries_requeue(now) -> int:
    """Publish again the pending deliveries whose attempt time has long passed (lost publish, dead worker)."""
    return OUTBOX.requeue(now)

"""Notifications: the in-app inbox (always) and copies through the configured outside channels.

``notify`` writes inbox rows and pending deliveries in the caller's transaction, and publishes the
deliveries to the broker only on commit. A failed publish is logged, never raised: the case action has
committed, the inbox rows exist, and the sweep re-queues pending deliveries whose time has passed.
Deliveries are claimed by compare-and-set on ``attempts`` so a retry and a re-queue never send twice.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import DeliveryStatus, Notification, NotificationDelivery
from .backends import DeliveryFailed, backend_for, configured_backends

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min, 8 min …
REQUEUE_GRACE = timedelta(minutes=2)


def backoff(attempt: int) -> int:
    """Seconds to wait after the ``attempt``-th failure: exponential, capped at one hour."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), 3600)


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
    from django.contrib.auth import get_user_model

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


# After a failed publish this process stops trying for a while: with the broker down, every case action
# would otherwise wait for the connection attempts to time out. Nothing is lost — the deliveries stay
# pending and the sweep re-queues them once the broker answers again.
BROKER_PAUSE_SECONDS = 30.0
_broker = {"down_until": 0.0}


def publish(delivery_ids, *, urgent=False, probe=False):
    """Hand deliveries to the broker. Never raises: a broker outage must not fail the caller.

    ``probe`` (the sweep's re-queue, once a minute) tries even while the broker is marked down: that is
    how this process learns it is back.
    """
    from ..tasks import deliver_notifications

    if not probe and time.monotonic() < _broker["down_until"]:
        log.warning("broker marked down: %d deliveries left for the sweep to re-queue", len(delivery_ids))
        return
    try:
        deliver_notifications.apply_async((list(delivery_ids),), priority=9 if urgent else 5)
        _broker["down_until"] = 0.0
    except Exception:
        _broker["down_until"] = time.monotonic() + BROKER_PAUSE_SECONDS
        log.exception(
            "could not publish %d notification deliveries; the sweep will re-queue them", len(delivery_ids)
        )


def broker_reset():
    """Forget an earlier publish failure (tests; or an operator who knows the broker is back)."""
    _broker["down_until"] = 0.0


def deliver(delivery_id, *, at=None) -> str:
    """Send one delivery if it is still pending. Returns the resulting status.

    Raises ``DeliveryFailed`` after a failed attempt that may be retried (the caller schedules the retry).
    """
    at = at or timezone.now()
    row = NotificationDelivery.objects.filter(pk=delivery_id).values("status", "attempts").first()
    if row is None or row["status"] != DeliveryStatus.PENDING:
        return row["status"] if row else "gone"
    attempt = row["attempts"] + 1
    # Claim this attempt: a concurrent retry or re-queue of the same delivery loses here.
    claimed = NotificationDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempts=row["attempts"]
    ).update(attempts=attempt, next_attempt_at=at + timedelta(seconds=backoff(attempt)))
    if not claimed:
        return "claimed elsewhere"
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
        final = attempt >= MAX_ATTEMPTS
        NotificationDelivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING, last_error=repr(exc)[:2000]
        )
        log.warning("delivery %s via %s failed (attempt %d): %r", delivery_id, delivery.channel, attempt, exc)
        if final:
            return DeliveryStatus.FAILED
        raise DeliveryFailed(str(exc)) from exc
    NotificationDelivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return DeliveryStatus.SENT


def deliveries_requeue(now) -> int:
    """Publish again the pending deliveries whose attempt time has long passed (lost publish, dead worker)."""
    ids = list(
        NotificationDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - REQUEUE_GRACE
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
    if ids:
        # Push the lease forward so the next sweep does not publish them again while they wait in the queue.
        NotificationDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        transaction.on_commit(lambda: publish(ids, probe=True))
    return len(ids)

"""The outbox: messages that must not be lost, written with the change they report and handed to Celery
after it commits.

A kind of outside delivery (a notification's e-mail or SMS copy, a webhook POST) keeps one row per
delivery in its own table, written in the caller's transaction. The row has ``status`` ("pending", then
"sent" or "failed"), ``attempts``, ``next_attempt_at``, ``last_error`` and ``sent_at``; what a delivery
does stays in the kind's app. This module owns what every kind does the same way:

- **publish** the ids to the broker on commit. A publish never raises: the change has committed and its
  caller must not see an error for a message. After a broker failure this process stops publishing for
  ``BROKER_PAUSE_SECONDS`` (every kind, one pause): with the broker down, each request would otherwise
  wait for the connection attempts to time out. Nothing is lost: the rows stay pending.
- **claim** each attempt by compare-and-set on ``attempts``, so a retry, a re-queue and a duplicated
  message never send the same row twice;
- **back off** after a failed attempt: 30 s, 1 min, 2 min, … capped at an hour, up to the kind's
  ``max_attempts``, then the row is failed;
- **re-queue** the pending rows whose attempt time has long passed (a publish skipped or lost, a worker
  that died mid-attempt). The re-queue probes the broker even while it is paused: that is how a process
  learns the broker is back.

``Delivery`` is the abstract model of those fields; a kind's table inherits it and adds what it sends.

A message without a row of its own (the evaluation record's rebuild) uses ``publish`` alone and catches up
its own way.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
REQUEUE_GRACE = timedelta(minutes=2)
REQUEUE_LIMIT = 1000
BROKER_PAUSE_SECONDS = 30.0
# What an unreachable broker raises: kombu wraps the transport's connection errors in OperationalError; a
# socket error it does not know comes through as OSError. Anything else is the message's own fault (or, in
# eager mode, the task's) and does not pause the broker.
BROKER_ERRORS = (OperationalError, OSError)


def backoff(attempt: int) -> int:
    """Seconds to wait after the ``attempt``-th failure: exponential, capped at one hour."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)


class Status(models.TextChoices):
    PENDING = PENDING, _("Pending")
    SENT = SENT, _("Sent")
    FAILED = FAILED, _("Failed")


class Delivery(models.Model):
    """One delivery of a kind's table: its state in the outbox (``Outbox`` reads and writes these fields)."""

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class RetryLater(Exception):
    """This attempt failed and another is due after the back-off."""


# --- The broker, as this process sees it ------------------------------------------------------------------


class BrokerPause:
    """After a failed publish, no publish but a probe is tried for ``seconds`` (one per process)."""

    def __init__(self, seconds: float = BROKER_PAUSE_SECONDS):
        self.seconds = seconds
        self.until = 0.0

    def paused(self) -> bool:
        return time.monotonic() < self.until

    def trip(self) -> None:
        self.until = time.monotonic() + self.seconds

    def reset(self) -> None:
        """Forget an earlier failure (a publish got through; tests; an operator who knows it is back)."""
        self.until = 0.0


broker = BrokerPause()


def publish(task, args=(), *, probe=False, **options) -> bool:
    """Send one message for the Celery ``task``; ``options`` go to ``apply_async``. Never raises.

    Returns whether the message was handed over. While the broker is paused nothing is tried unless
    ``probe`` (the re-queues do, once a minute or so).
    """
    if not probe and broker.paused():
        log.warning("broker marked down: %s not published, left for its re-queue", task.name)
        return False
    try:
        task.apply_async(tuple(args), **options)
    except BROKER_ERRORS:
        broker.trip()
        log.exception(
            "could not publish %s; no publish for %.0f s, the re-queue sends it later",
            task.name,
            broker.seconds,
        )
        return False
    except Exception:
        log.exception("publishing %s failed", task.name)
        return False
    broker.reset()
    return True


# --- A kind of delivery ------------------------------------------------------------------------------------


class Claim(NamedTuple):
    """The outcome of claiming an attempt: its number, or ``None`` and why not (the row's status, "gone",
    "claimed elsewhere")."""

    attempt: int | None
    status: str


@dataclass(frozen=True)
class Outbox:
    """One table of deliveries and the Celery task that sends them.

    ``task`` is the dotted path of a task taking one row id, or a list of ids when ``batch``; ``retry_task``
    (one id) sends a row again after its back-off, and defaults to ``task`` when that takes one id. Tasks
    are named by path, not imported, because they import the app's delivery code that uses this outbox.
    """

    model: type[models.Model]
    task: str
    max_attempts: int
    batch: bool = False
    retry_task: str = ""

    # --- publish

    def publish(self, ids, *, probe=False, **options) -> bool:
        """Hand the rows to the broker now; False if some were not (they stay pending for the re-queue)."""
        ids = list(ids)
        if not ids:
            return True
        task = import_string(self.task)
        if self.batch:
            return publish(task, (ids,), probe=probe, **options)
        # One message per row, so that workers share them; the first failure pauses the broker for the rest.
        return all(publish(task, (pk,), probe=probe, **options) for pk in ids)

    def publish_on_commit(self, ids, **options) -> None:
        ids = list(ids)
        if ids:
            transaction.on_commit(lambda: self.publish(ids, **options))

    # --- attempts

    def claim(self, pk, *, at) -> Claim:
        """Claim the next attempt of a pending row by compare-and-set on ``attempts``: of two workers that
        read the same row, one wins. The claim sets the time of the attempt after this one, so a worker that
        dies now leaves the row for the re-queue."""
        row = self.model.objects.filter(pk=pk).values("status", "attempts").first()
        if row is None:
            return Claim(None, "gone")
        if row["status"] != PENDING:
            return Claim(None, row["status"])
        attempt = row["attempts"] + 1
        claimed = self.model.objects.filter(pk=pk, status=PENDING, attempts=row["attempts"]).update(
            attempts=attempt, next_attempt_at=at + timedelta(seconds=backoff(attempt))
        )
        return Claim(attempt, PENDING) if claimed else Claim(None, "claimed elsewhere")

    def sent(self, pk, **fields) -> str:
        self.model.objects.filter(pk=pk).update(status=SENT, sent_at=timezone.now(), last_error="", **fields)
        return SENT

    def attempt_failed(self, pk, *, attempt: int, error: str, final=False, **fields) -> str:
        """Record a failed attempt: the row stays pending for a retry, or is failed after the last one.
        Returns the row's status."""
        status = FAILED if final or attempt >= self.max_attempts else PENDING
        self.model.objects.filter(pk=pk).update(status=status, last_error=error[:2000], **fields)
        return status

    def attempt(self, pk, deliver) -> None:
        """The body of a delivery task: ``deliver(pk)`` once; a ``RetryLater`` schedules the next attempt
        after the back-off. The attempt count lives on the row, not in the message, so a re-queued or
        duplicated message continues the same series and ``max_attempts`` bounds it whatever the broker
        does. Never raises: the row stays pending and the re-queue finds it."""
        try:
            deliver(pk)
        except RetryLater:
            attempts = self.model.objects.filter(pk=pk).values_list("attempts", flat=True).first()
            publish(import_string(self.retry_task or self.task), (pk,), countdown=backoff(attempts or 1))
        except Exception:
            log.exception("%s %s failed unexpectedly", self.model.__name__, pk)

    # --- re-queue

    def requeue(self, now) -> int:
        """Publish again the pending rows whose attempt time passed more than ``REQUEUE_GRACE`` ago.

        Their next attempt time moves to ``now`` first, so the next re-queue does not publish them again
        while they wait in the queue; rows locked by a concurrent re-queue are skipped (PostgreSQL).
        """
        # No savepoint of its own: inside a caller's transaction (the sweep's) it is part of that one.
        with transaction.atomic(savepoint=False):
            ids = list(
                self.model.objects.select_for_update(skip_locked=True)
                .filter(status=PENDING, next_attempt_at__lte=now - REQUEUE_GRACE)
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[:REQUEUE_LIMIT]
            )
            if ids:
                self.model.objects.filter(pk__in=ids).update(next_attempt_at=now)
                self.publish_on_commit(ids, probe=True)
        return len(ids)

"""Celery tasks: thin, idempotent wrappers taking ids."""

import logging
import time

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import audit
from gridgov.observability import sweep_record
from grids.models import Membership, Role

from . import notifications
from .sweep import sweep

log = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def sweep_deadlines():
    """Beat runs this every minute: warnings, overdue escalations, whistle and assist deadlines."""
    started = time.perf_counter()
    result = sweep()
    sweep_record(time.perf_counter() - started)
    if result.warned or result.overdue or result.climbed:
        log.info("sweep: %s", result.as_dict())
    return result.as_dict()


@shared_task(ignore_result=True)
def deliver_notifications(delivery_ids):
    """Send a batch of deliveries; each failure is retried on its own."""
    for delivery_id in delivery_ids:
        notifications.OUTBOX.attempt(delivery_id, notifications.deliver)


@shared_task(ignore_result=True)
def deliver_notification(delivery_id):
    """One delivery attempt; a failure schedules the next with exponential backoff (30 s, 1 min, 2 min, …).

    The attempt count lives on the delivery row, not in the message, so a re-queued or duplicated
    message continues the same series and ``MAX_ATTEMPTS`` bounds it whatever the broker does.
    """
    notifications.OUTBOX.attempt(delivery_id, notifications.deliver)


@shared_task(ignore_result=True)
def verify_case_audit():
    """Daily: check the case-event audit trail; every break goes to the log, and the district centre is told
    (cases know nothing of notifications, so the check that alerts lives here)."""
    found = audit.breaks()
    for brk in found:
        log.error("case-event audit break: %s", brk)
    if found:
        now = timezone.now()
        centre = set(
            Membership.objects.filter(role=Role.DISTRICT_CENTRE, is_active=True).values_list(
                "user_id", flat=True
            )
        )
        cases = sorted({b.case_number for b in found if b.case_number})
        notifications.notify(
            [
                notifications.Message(
                    recipients=centre,
                    kind="audit",
                    title=_("The case audit trail has %(count)s break(s)") % {"count": len(found)},
                    body="\n".join(str(b) for b in found[:50]),
                    key=f"audit-{now.date().isoformat()}",
                    priority=1,
                    extra={"cases": cases[:50]},
                )
            ],
            at=now,
        )
    return len(found)

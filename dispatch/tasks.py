"""Celery tasks: thin, idempotent wrappers taking ids."""

import logging

from celery import shared_task

from . import notifications
from .sweep import sweep

log = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def sweep_deadlines():
    """Beat runs this every minute: warnings, overdue escalations, whistle and assist deadlines."""
    result = sweep()
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

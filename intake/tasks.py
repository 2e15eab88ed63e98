"""Celery tasks: thin, idempotent wrappers taking ids."""

from celery import shared_task

from . import sms, webhooks


@shared_task(ignore_result=True)
def deliver_webhook(delivery_id):
    """One attempt; a failure schedules the next with exponential backoff. The attempt count lives on the
    row, so a duplicated or re-queued message continues the same series and MAX_ATTEMPTS bounds it."""
    webhooks.OUTBOX.attempt(delivery_id, webhooks.deliver)


@shared_task(ignore_result=True)
def redeliver_webhooks():
    """Every 5 minutes (beat): pending deliveries whose message was lost are queued again."""
    return webhooks.deliveries_requeue()


@shared_task(ignore_result=True)
def deliver_sms(message_id):
    """One attempt at one citizen SMS; a throttled or timed-out attempt schedules the next (back-off)."""
    sms.OUTBOX.attempt(message_id, sms.deliver)

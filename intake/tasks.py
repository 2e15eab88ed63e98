"""Celery tasks: thin, idempotent wrappers taking ids."""

import logging

from celery import shared_task

from . import webhooks

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def deliver_webhook(delivery_id):
    """One attempt; a failure schedules the next with exponential backoff. The attempt count lives on the
    row, so a duplicated or re-queued message continues the same series and MAX_ATTEMPTS bounds it."""
    try:
        webhooks.deliver(delivery_id)
    except webhooks.AttemptFailed:
        attempts = (
            webhooks.WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first()
        )
        try:
            deliver_webhook.apply_async((delivery_id,), countdown=webhooks.backoff(attempts or 1))
        except Exception:
            log.exception("could not schedule the retry of webhook delivery %s", delivery_id)


@shared_task(ignore_result=True)
def redeliver_webhooks():
    """Every 5 minutes (beat): pending deliveries whose message was lost are queued again."""
    return webhooks.deliveries_requeue()

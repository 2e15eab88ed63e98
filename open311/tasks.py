"""Celery tasks of the Open311 endpoint: thin, idempotent wrappers around services."""

from celery import shared_task

from . import alerts, services


@shared_task(ignore_result=True)
def fetch_media(fetch_id):
    """One attempt at one queued photo (enqueued when the request commits)."""
    fetch = services.media_fetch_run(fetch_id)
    return fetch.status if fetch else None


@shared_task(ignore_result=True)
def fetch_pending_media():
    """Every 5 minutes: photos due for a (re)try, including any whose message was lost at commit time."""
    done = 0
    for fetch_id in services.media_fetches_due():
        services.media_fetch_run(fetch_id)
        done += 1
    return done


@shared_task(ignore_result=True)
def deliver_alert(message_id):
    """One attempt at one citizen alert; a failed attempt schedules the next after the outbox's back-off."""
    alerts.OUTBOX.attempt(message_id, alerts.deliver)

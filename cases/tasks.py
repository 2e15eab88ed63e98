"""Celery tasks of the case loop: thin, idempotent wrappers around services."""

from celery import shared_task

from . import audit, services


@shared_task(ignore_result=True)
def lapse_unanswered_evaluations():
    """Hourly: closed cases nobody rated within the callback window close the evaluate step as "no
    response"."""
    total = 0
    while lapsed := services.evaluations_lapse():
        total += lapsed
    return total


@shared_task(ignore_result=True)
def write_audit_checkpoint():
    """Hourly: sign every case's chain head (table and log), so a later cut or rebuild shows against it."""
    return audit.checkpoint_write().pk

"""Celery tasks of the case loop: thin, idempotent wrappers around services."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def lapse_unanswered_evaluations():
    """Hourly: closed cases nobody rated within the callback window close the evaluate step as "no
    response"."""
    total = 0
    while lapsed := services.evaluations_lapse():
        total += lapsed
    return total

"""Celery tasks of the case loop: thin, idempotent wrappers around services."""

from celery import shared_task

from . import audit, exports, services


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


@shared_task(ignore_result=True, acks_late=True)
def export_cases(export_id: int):
    """Write one case-list export (cases/exports.py)."""
    exports.export_run(export_id)


@shared_task(ignore_result=True)
def expire_case_exports():
    """Hourly: delete the export files kept past their time."""
    return exports.exports_expire()

"""Celery tasks: thin, idempotent wrappers with id arguments."""

from celery import shared_task

from .imports import import_run
from .visits import visit_tasks_build


@shared_task(ignore_result=True)
def build_visit_tasks():
    """Daily: put priority persons overdue for a visit on their grid workers' task lists."""
    return visit_tasks_build()


@shared_task(ignore_result=True, acks_late=True)
def run_import(job_id: int):
    import_run(job_id=job_id)

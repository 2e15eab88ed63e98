"""Celery tasks: thin, idempotent wrappers with id arguments."""

from celery import shared_task


@shared_task(ignore_result=True)
def build_visit_tasks():
    """Daily: put priority persons overdue for a visit on their grid workers' task lists."""
    from .visits import visit_tasks_build

    return visit_tasks_build()


@shared_task(ignore_result=True, acks_late=True)
def run_import(job_id: int):
    from .imports import import_run

    import_run(job_id=job_id)

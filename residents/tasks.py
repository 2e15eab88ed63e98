"""Celery tasks: thin, idempotent wrappers with id arguments."""

import logging

from celery import shared_task

from gridgov.audit_chain import breaks, heads

from .imports import import_run
from .visits import visit_tasks_build

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def build_visit_tasks():
    """Daily: put priority persons overdue for a visit on their grid workers' task lists."""
    return visit_tasks_build()


@shared_task(ignore_result=True, acks_late=True)
def run_import(job_id: int):
    import_run(job_id=job_id)


@shared_task(ignore_result=True)
def verify_access_logs():
    """Daily: check the access logs' hash chains; every break is logged as an error (for the log alerting),
    and each chain's head as a checkpoint."""
    found_breaks = breaks()
    for found in found_breaks:
        log.error("access-log chain break: %s", found)
    for chain, (seq, digest) in heads().items():
        log.info("access-log checkpoint: %s #%s %s", chain, seq, digest)
    return len(found_breaks)

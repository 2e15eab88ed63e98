"""Celery tasks: thin, idempotent wrappers."""

import logging

from celery import shared_task

from .services import purge_old_tracks as purge

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def purge_old_tracks():
    """Beat runs this nightly: patrol positions past the retention period are deleted."""
    deleted = purge()
    if deleted:
        log.info("purged %s patrol positions past retention", deleted)
    return deleted

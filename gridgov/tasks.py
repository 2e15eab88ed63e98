from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from .stored_files import orphan_files_remove


@shared_task(ignore_result=True)
def heartbeat():
    """Beat sends it, a worker runs it: the time it last ran proves both are alive."""
    cache.set("gridgov:heartbeat", timezone.now().isoformat(), 3600)


@shared_task(ignore_result=True)
def remove_orphan_files():
    """Stored files no row points at (a crash between save and commit), past the grace period."""
    orphan_files_remove()

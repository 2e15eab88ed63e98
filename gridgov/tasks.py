from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(ignore_result=True)
def heartbeat():
    """Beat sends it, a worker runs it: the time it last ran proves both are alive."""
    cache.set("gridgov:heartbeat", timezone.now().isoformat(), 3600)

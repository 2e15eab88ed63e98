"""Time limits per category, kept in memory: every stage start and every sweep reads them.

Limits change a few times a year through the admin. An edit clears this process's copy at once (the
signals below); other processes (workers, other web processes) pick it up within ``TTL`` seconds. A
stage that starts inside that minute keeps the deadline it was given, as it would have anyway.
"""

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import TimeLimit

TTL = 60.0
_cache: dict[int, tuple[float, dict]] = {}


def category_limits(category_id: int) -> dict:
    """{(urgency, stage): (amount, unit)} of one category."""
    entry = _cache.get(category_id)
    now = time.monotonic()
    if entry is None or now - entry[0] > TTL:
        rows = TimeLimit.objects.filter(category_id=category_id).values_list("urgency", "stage", "amount", "unit")
        entry = _cache[category_id] = (now, {(u, s): (a, unit) for u, s, a, unit in rows})
    return entry[1]


def invalidate():
    _cache.clear()


@receiver([post_save, post_delete], sender=TimeLimit, dispatch_uid="cases.limits.changed")
def _limits_changed(**kwargs):
    invalidate()

"""The category catalogue and its time limits, kept in memory: every report looks up its category and
every stage start and every sweep reads the limits.

The catalogue changes a few times a year through the admin. An edit clears this process's copy at once
(the signals below); other processes (workers, other web processes) pick it up within ``TTL`` seconds. A
stage that starts inside that minute keeps the deadline it was given, as it would have anyway; a report
that arrives inside it may still use a category retired a moment before, as it could have a moment
earlier.
"""

import copy
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category, TimeLimit

TTL = 60.0
_cache: dict[int, tuple[float, dict]] = {}
_catalogue: dict = {"loaded_at": None, "active": {}}


def category_limits(category_id: int) -> dict:
    """{(urgency, stage): (amount, unit)} of one category."""
    entry = _cache.get(category_id)
    now = time.monotonic()
    if entry is None or now - entry[0] > TTL:
        rows = TimeLimit.objects.filter(category_id=category_id).values_list(
            "urgency", "stage", "amount", "unit"
        )
        entry = _cache[category_id] = (now, {(u, s): (a, unit) for u, s, a, unit in rows})
    return entry[1]


def active_category(code: str) -> Category | None:
    """The active category with this code (major or minor), or None. A copy: callers may cache on it."""
    now = time.monotonic()
    loaded_at = _catalogue["loaded_at"]
    if loaded_at is None or now - loaded_at > TTL:
        _catalogue["active"] = {c.code: c for c in Category.objects.filter(is_active=True)}
        _catalogue["loaded_at"] = now
    found = _catalogue["active"].get(code)
    return copy.copy(found) if found is not None else None


def invalidate():
    _cache.clear()
    _catalogue["loaded_at"] = None


@receiver([post_save, post_delete], sender=TimeLimit, dispatch_uid="cases.limits.changed")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="cases.limits.category_changed")
def _catalogue_changed(**kwargs):
    invalidate()

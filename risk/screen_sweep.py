"""The big screen's finished days, computed ahead by the deadline sweep (a step registered by
``RiskConfig.ready``), so the first refresh of the day costs what every other refresh costs.

Every screen of a set of areas needs the same figures of the days already over (this month's steps,
closings, categories and red list; the last 30 days' trend): ``risk.screen`` caches them until midnight,
and before this step the first screen of the day paid for computing them (2.2 s for a district of
1,000,000 cases, bench/bench_screen.py). The step computes them once a day, from midnight, for every
active district and for every set of areas a big screen watched in the last week (remembered
in the cache when a screen opens), each claimed by ``cache.add`` so two sweeps never compute one twice.
"""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from grids.models import Area, Level

from .screen import finished_days_warm

WATCHED_KEY = "screen:watched"
WATCHED_DAYS = 7
WATCHED_LIMIT = 200  # sets of areas remembered; the oldest forgotten first


def watched_add(roots, now=None) -> None:
    """Remember that a screen (or a page's panels) watches ``roots`` today."""
    if not roots:
        return
    today = timezone.localdate(now or timezone.now()).isoformat()
    key = ",".join(roots)
    watched = cache.get(WATCHED_KEY) or {}
    if watched.get(key) == today:
        return
    watched[key] = today
    if len(watched) > WATCHED_LIMIT:
        watched = dict(sorted(watched.items(), key=lambda kv: kv[1])[-WATCHED_LIMIT:])
    cache.set(WATCHED_KEY, watched, WATCHED_DAYS * 86400)


def roots_to_warm(now) -> list[list[str]]:
    """Every active district, then the sets of areas watched in the last ``WATCHED_DAYS`` days."""
    since = (timezone.localdate(now) - timedelta(days=WATCHED_DAYS)).isoformat()
    found = [
        [code]
        for code in Area.objects.filter(level=Level.DISTRICT, is_active=True).values_list("code", flat=True)
    ]
    for key, day in sorted((cache.get(WATCHED_KEY) or {}).items()):
        roots = key.split(",")
        if day >= since and roots not in found:
            found.append(roots)
    return found


def screen_daily(*, now=None) -> int:
    """Compute today's finished days for every set of areas not yet done today; returns how many were."""
    now = now or timezone.now()
    today = timezone.localdate(now).isoformat()
    if cache.get(f"screen:warmed:{today}"):
        return 0
    done = 0
    for roots in roots_to_warm(now):
        if cache.add(f"screen:warming:{today}:{','.join(roots)}", 1, 3600) and finished_days_warm(roots, now):
            done += 1
    cache.set(f"screen:warmed:{today}", 1, 86400 + 3600)
    return done

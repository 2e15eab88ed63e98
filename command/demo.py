"""Demo patrols: today's tracks and last positions for some of the demo district's grid workers.

Deterministic for a seed (the walk, who walks, for how long); times are relative to the moment of
loading, so the map shows workers "on patrol now" right after ``load_demo``.
"""

import math
import random
from datetime import timedelta

from django.utils import timezone

from grids.models import Area, Membership, Role
from grids.selectors import grids_for_points

from .models import PatrolLast, PatrolPosition

WORKERS = 24  # how many grid workers walk
STEP_SECONDS = 30  # the patrol page's interval
STEP_DEGREES = 0.00025  # ~25 m per 30 s: a slow patrol walk


def _walk(rng, grid, steps):
    """A random walk that stays inside the grid's bounding box, starting near its centre."""
    lat, lon = grid.centroid_lat, grid.centroid_lon
    heading = rng.uniform(0, 6.283)
    points = []
    for _ in range(steps):
        heading += rng.gauss(0, 0.6)
        lat = min(
            max(lat + STEP_DEGREES * rng.uniform(0.4, 1.2) * math.sin(heading), grid.min_lat), grid.max_lat
        )
        lon = min(
            max(lon + STEP_DEGREES * rng.uniform(0.4, 1.2) * math.cos(heading), grid.min_lon), grid.max_lon
        )
        points.append((lat, lon))
    return points


def build(*, district, seed=2024, workers=WORKERS, now=None) -> dict:
    now = (now or timezone.now()).replace(microsecond=0)
    rng = random.Random(seed)
    rows = list(
        Membership.objects.filter(
            role=Role.GRID_WORKER,
            is_active=True,
            area__code__startswith=district.code,
            area__level="grid",
            area__is_active=True,
        )
        .exclude(area__centroid_lat=None)
        .select_related("area")
        .order_by("user_id", "id")
    )
    seen, chosen = set(), []
    for m in rows:
        if m.user_id not in seen:
            seen.add(m.user_id)
            chosen.append(m)
    # The demo logins' worker (the first grid's) walks too: their work log has a patrol to show.
    first = min(chosen, key=lambda m: (m.area.code, m.user_id)) if chosen else None
    chosen = rng.sample(chosen, min(workers, len(chosen))) if chosen else []
    if first is not None and first not in chosen:
        chosen[-1] = first
    chosen.sort(key=lambda m: m.user_id)
    positions, lasts = [], []
    for k, m in enumerate(chosen):
        steps = rng.randint(120, 360)  # one to three hours
        # Two thirds are still out now; the rest finished a while ago (their last position is not "active").
        end = now - timedelta(minutes=rng.randint(0, 4) if k % 3 else rng.randint(40, 120))
        walk = _walk(rng, m.area, steps)
        times = [end - timedelta(seconds=STEP_SECONDS * (steps - 1 - i)) for i in range(steps)]
        accuracy = [round(rng.uniform(4, 25), 1) for _ in walk]
        positions += [
            PatrolPosition(user_id=m.user_id, lat=lat, lon=lon, accuracy_m=a, recorded_at=t)
            for (lat, lon), t, a in zip(walk, times, accuracy)
        ]
        lasts.append(
            PatrolLast(
                user_id=m.user_id,
                lat=walk[-1][0],
                lon=walk[-1][1],
                accuracy_m=accuracy[-1],
                recorded_at=times[-1],
            )
        )
    ids = grids_for_points([(p.lat, p.lon) for p in positions + lasts])
    codes = dict(Area.objects.filter(pk__in={i for i in ids if i}).values_list("pk", "code"))
    for row, area_id in zip(positions + lasts, ids):
        row.area_code = codes.get(area_id, "")
        row.inside = bool(row.area_code)
    PatrolPosition.objects.bulk_create(positions, batch_size=2000)
    PatrolLast.objects.bulk_create(lasts)
    return {"workers": len(lasts), "positions": len(positions)}


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    result = build(district=district, seed=seed)
    stdout.write(f"Patrols: {result['workers']} grid workers, {result['positions']} track points today")

"""Possible duplicates: open cases of the same category near a point, reported recently.

Offered while a case is being reported (page, API, citizens' page) so the reporter can stop and look,
and used by staff to find the case to merge into. A bounding box on the indexed columns narrows the
rows; the exact distance is computed on the handful left.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .models import Case, Category
from .selectors import cases_visible_to
from .workflow import OPEN

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class Candidate:
    case: Case
    distance_m: float


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def duplicates_near(
    cases, category, lat: float, lon: float, *, at: datetime | None = None, exclude=None, limit: int = 10
) -> list[Candidate]:
    """Open cases in ``cases`` (already scoped by the caller) of ``category`` within its radius and window."""
    radius = category.duplicate_radius_m
    since = (at or timezone.now()) - timedelta(hours=category.duplicate_window_hours)
    dlat = radius / METRES_PER_DEGREE_LAT
    dlon = radius / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    rows = (
        cases.filter(
            category=category,
            status__in=OPEN,
            reported_at__gte=since,
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .exclude(pk=getattr(exclude, "pk", exclude))
        .order_by("-reported_at")[:200]
    )
    found = [Candidate(c, distance_m(lat, lon, c.lat, c.lon)) for c in rows]
    found = [c for c in found if c.distance_m <= radius]
    return sorted(found, key=lambda c: c.distance_m)[:limit]


def duplicate_query(params):
    """(category, lat, lon) from a report page's ``category`` code, ``lat`` and ``lon``; None while incomplete
    (the pages ask as soon as the pin moves, so half-filled input is normal, not an error)."""
    category = Category.objects.filter(code=params.get("category", ""), is_active=True).first()
    try:
        lat, lon = float(params["lat"]), float(params["lon"])
    except (KeyError, ValueError):
        return None
    if category is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return category, lat, lon


def possible_duplicates(user, category, lat, lon, **kwargs) -> list[Candidate]:
    return duplicates_near(cases_visible_to(user), category, lat, lon, **kwargs)

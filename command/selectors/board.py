"""The command map's reads: grid load, case clusters, live counts and the overdue / supervised lists.

Everything is computed in the database with a constant number of queries, whatever the number of
cases: per-grid load is one GROUP BY over the grid-length prefix of ``Case.area_code``; clusters are one
GROUP BY over a zoom-dependent lat/lon cell (plus one query for the details of lone cases).
"""

import hashlib
import json
from datetime import datetime, time

from django.core.cache import cache
from django.db.models import Avg, Count, F, Max, Min, Q, Value
from django.db.models.functions import Floor, Substr
from django.utils import timezone

from cases.models import Alert, Case
from cases.workflow import OPEN, Status
from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scoped

MAP_ROLES = [
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
]
GRID_CODE_LENGTH = CODE_LENGTH[Level.GRID]
LIST_LIMIT = 20
MARKER_LIMIT = 300  # fewer open cases than this in view: send markers, not clusters
AREA_FILTER_LIMIT = 200  # a view meeting at most this many areas reads their cases by area code
CLUSTER_CELL_PX = 60  # a cluster cell is about this many screen pixels wide
BOUNDARY_CACHE_SECONDS = 3600
LIVE_CACHE_SECONDS = 15  # many screens poll the same counts every 30 s


def map_roots(user) -> list[str]:
    """Area codes whose subtrees the user watches on the map; empty means no map for this user."""
    r = reach(user)
    if r.is_superuser:
        return list(Area.objects.filter(level=Level.DISTRICT, is_active=True).values_list("code", flat=True))
    return r.codes(MAP_ROLES)


def _open_cases(user, roots):
    return scoped(user, Case.objects.filter(status__in=OPEN)).filter(prefix_q("area_code", roots))


# --- Grids --------------------------------------------------------------------------------------------


def grid_boundaries(roots) -> tuple[str, str]:
    """(etag, GeoJSON text) of the active grids under the roots, serialised once and cached until any of
    them changes: 1,500 grids are half a megabyte that every screen would otherwise re-encode."""
    grids = Area.objects.filter(level=Level.GRID, is_active=True).filter(prefix_q("code", roots))
    stamp = grids.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    digest = hashlib.sha1(",".join(roots).encode()).hexdigest()[:16]
    etag = f"{digest}-{stamp['n']}-{stamp['top']}-{stamp['last'] and int(stamp['last'].timestamp() * 1e6)}"
    key = f"command:grids:{etag}"
    text = cache.get(key)
    if text is None:
        features = [
            {"type": "Feature", "geometry": boundary, "properties": {"code": code, "name": name}}
            for code, name, boundary in grids.exclude(boundary=None)
            .order_by("code")
            .values_list("code", "name", "boundary")
        ]
        text = json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
        )
        cache.set(key, text, BOUNDARY_CACHE_SECONDS)
    return etag, text


def _roots_key(kind, roots, now=None):
    """Cache key per set of roots and 15-second slot: every screen watching the same area shares one query.

    Sharing is safe because the rows are cut to the roots' subtrees, which lie inside the case scope of
    every user whose map roots they are."""
    digest = hashlib.sha1(",".join(roots).encode()).hexdigest()[:16]
    slot = int((now or timezone.now()).timestamp()) // LIVE_CACHE_SECONDS
    return f"command:{kind}:{digest}:{slot}"


def grid_load(user, roots) -> dict[str, dict]:
    """Open, warning, overdue and supervised counts per grid code (micro-grid cases count to their grid)."""
    key = _roots_key("load", roots)
    load = cache.get(key)
    if load is None:
        load = _grid_load(user, roots)
        cache.set(key, load, LIVE_CACHE_SECONDS)
    return load


def _grid_load(user, roots):
    rows = (
        _open_cases(user, roots)
        .annotate(grid=Substr("area_code", 1, GRID_CODE_LENGTH))
        .values("grid")
        .order_by()
        .annotate(
            open=Count("id"),
            warning=Count("id", filter=Q(alert=Alert.YELLOW)),
            overdue=Count("id", filter=Q(alert=Alert.RED)),
            supervised=Count("id", filter=Q(is_supervised=True)),
        )
    )
    return {row.pop("grid"): row for row in rows}


def grid_load_body(user, roots) -> dict:
    load = grid_load(user, roots)
    return {"load": load, "max_open": max((g["open"] for g in load.values()), default=0)}


# --- Case markers and clusters --------------------------------------------------------------------------


def cell_degrees(zoom: int) -> float:
    """Width in degrees of a cluster cell at this zoom (a 256-px tile spans 360 / 2**zoom degrees)."""
    return 360.0 / (256 * 2**zoom) * CLUSTER_CELL_PX


def _marker(row) -> dict:
    return {
        "id": row["id"],
        "number": row["number"],
        "title": row["title"],
        "alert": row["alert"],
        "supervised": row["is_supervised"],
        "lat": row["lat"],
        "lon": row["lon"],
        "url": f"/cases/{row['id']}/",
    }


MARKER_FIELDS = ("id", "number", "title", "alert", "is_supervised", "lat", "lon")


def _areas_in_box(west, south, east, north):
    """Codes of the areas whose extent meets the box (and of areas without one), or None when there are
    too many for an IN list to help. A case lies in its area, so its area's extent holds the case's point:
    a zoomed-in view reads a few areas' cases by the area-code index instead of every open case."""
    meets = Q(min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south) | Q(min_lon=None)
    codes = list(Area.objects.filter(meets).values_list("code", flat=True)[: AREA_FILTER_LIMIT + 1])
    return codes if len(codes) <= AREA_FILTER_LIMIT else None


def cases_in_view(user, roots, *, west, south, east, north, zoom) -> dict:
    """Open cases in the box: individual markers when few, else clusters (count, centre, extent, worst
    alert)."""
    qs = _open_cases(user, roots).filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    codes = _areas_in_box(west, south, east, north)
    if codes is not None:
        qs = qs.filter(area_code__in=codes)
    cell = cell_degrees(zoom)
    cells = list(
        qs.annotate(cy=Floor(F("lat") / Value(cell)), cx=Floor(F("lon") / Value(cell)))
        .values("cy", "cx")
        .order_by()
        .annotate(
            count=Count("id"),
            mid_lat=Avg("lat"),
            mid_lon=Avg("lon"),
            south=Min("lat"),
            north=Max("lat"),
            west=Min("lon"),
            east=Max("lon"),
            first=Min("id"),
            overdue=Count("id", filter=Q(alert=Alert.RED)),
            warning=Count("id", filter=Q(alert=Alert.YELLOW)),
        )
    )
    total = sum(c["count"] for c in cells)
    if total <= MARKER_LIMIT:
        markers = [_marker(r) for r in qs.order_by("id").values(*MARKER_FIELDS)[:MARKER_LIMIT]]
        return {"total": total, "clusters": [], "markers": markers}
    lone = [c["first"] for c in cells if c["count"] == 1]
    markers = [_marker(r) for r in Case.objects.filter(id__in=lone).order_by("id").values(*MARKER_FIELDS)]
    clusters = [
        {
            "count": c["count"],
            "lat": c["mid_lat"],
            "lon": c["mid_lon"],
            "bounds": [[c["south"], c["west"]], [c["north"], c["east"]]],
            "alert": Alert.RED if c["overdue"] else Alert.YELLOW if c["warning"] else "",
            "overdue": c["overdue"],
            "warning": c["warning"],
        }
        for c in cells
        if c["count"] > 1
    ]
    clusters.sort(key=lambda c: (c["lat"], c["lon"]))
    return {"total": total, "clusters": clusters, "markers": markers}


# --- Counts and lists --------------------------------------------------------------------------------------


def _local_midnight(now):
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


def board_counts(user, roots, *, now=None) -> dict:
    """Open, warning, overdue, supervised, reported today, closed today (today = the local calendar day)."""
    now = now or timezone.now()
    midnight = _local_midnight(now)
    key = _roots_key("counts", roots, now)
    counts = cache.get(key)
    if counts is not None:
        return counts
    counts = _open_cases(user, roots).aggregate(
        open=Count("id"),
        warning=Count("id", filter=Q(alert=Alert.YELLOW)),
        overdue=Count("id", filter=Q(alert=Alert.RED)),
        supervised=Count("id", filter=Q(is_supervised=True)),
    )
    closed_today = Q(status__in=[Status.CLOSED, Status.EVALUATED], closed_at__gte=midnight)
    counts |= (
        scoped(user, Case.objects.all())
        .filter(prefix_q("area_code", roots))
        .filter(Q(reported_at__gte=midnight) | closed_today)
        .aggregate(
            reported_today=Count("id", filter=Q(reported_at__gte=midnight)),
            closed_today=Count("id", filter=closed_today),
        )
    )
    cache.set(key, counts, LIVE_CACHE_SECONDS)
    return counts


def overdue_cases(user, roots, *, limit=LIST_LIMIT):
    """Open overdue (red) cases, most overdue first."""
    return _with_lateness(
        _open_cases(user, roots)
        .filter(alert=Alert.RED)
        .select_related("area", "category")
        .order_by(F("stage_due_at").asc(nulls_last=True), "id")[:limit]
    )


def supervised_cases(user, roots, *, limit=LIST_LIMIT):
    """Open supervised (督办) cases: overdue first, then by due time."""
    return _with_lateness(
        _open_cases(user, roots)
        .filter(is_supervised=True)
        .select_related("area", "category")
        .order_by(F("stage_due_at").asc(nulls_last=True), "id")[:limit]
    )


def _with_lateness(cases):
    """The cases, each with ``late``: how long its running stage is past its deadline now (a timedelta),
    None when it is not; the lists say it in words (``gridgov.words``: 超期 2 天 5 小时)."""
    now = timezone.now()
    cases = list(cases)
    for case in cases:
        due = case.stage_due_at
        case.late = now - due if due is not None and due < now else None
    return cases

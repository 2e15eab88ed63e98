"""Hotspots (热点): cases of one category recurring at nearby places within the window.

Grid-cell clustering, DBSCAN-like (docs/domain.md §9.2): the district is cut into square cells of
``hotspot_cell_m`` metres; one grouped query counts the window's cases per (category, cell). A cell is a
*core* cell when it and its 8 neighbours hold at least ``hotspot_min_cases`` cases of the category; core
cells that touch (8-neighbourhood) form one cluster, which also takes in the non-empty cells touching it
(DBSCAN's border points). A cluster holding at least ``hotspot_min_cases`` cases is a hotspot; its count,
dates, centre and grid come from the grouped rows, and only its latest cases are read back to be listed: in
one query for all the hotspots (the latest ``keep`` of each cell, by a window function), not one per hotspot,
since a month of cases spread over many categories makes thousands of small hotspots.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, FloatField, Max, Min, Sum, Window
from django.db.models.functions import Cast, Floor, RowNumber

from cases.models import Case
from cases.workflow import Status
from grids.models import code_range_q

METRES_PER_DEGREE = 111_320.0
NEIGHBOURS = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]


@dataclass
class Cluster:
    category_id: int
    cells: set
    case_count: int = 0
    case_ids: list = field(default_factory=list)
    grid_code: str = ""
    lat: float = 0.0
    lon: float = 0.0
    first_at: object = None
    last_at: object = None

    @property
    def key(self) -> str:
        cx, cy = min(self.cells)
        return f"{self.category_id}:{cx}:{cy}"


def cell_size(metres: int, lat0: float) -> tuple[float, float]:
    """(degrees of latitude, degrees of longitude) of a cell ``metres`` wide at latitude ``lat0``."""
    dlat = metres / METRES_PER_DEGREE
    return dlat, metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat0)), 0.01))


def _in_window(district_code, start, end):
    return Case.objects.filter(
        code_range_q("area_code", district_code),
        reported_at__gte=start,
        reported_at__lt=end,
        lat__isnull=False,
        lon__isnull=False,
    ).exclude(status=Status.VOIDED)


def _with_cells(qs, dlat, dlon):
    return qs.annotate(
        cy=Floor(Cast(F("lat"), FloatField()) / dlat), cx=Floor(Cast(F("lon"), FloatField()) / dlon)
    )


def clusters_of(counts: dict, min_cases: int) -> list[set]:
    """The DBSCAN-like step on one category's cells: {(cx, cy): count} → the hotspots' sets of cells."""

    def around(cell):
        return [(cell[0] + dx, cell[1] + dy) for dx, dy in NEIGHBOURS]

    core = {c for c in counts if sum(counts.get(n, 0) for n in around(c)) >= min_cases}
    seen: set = set()
    found = []
    for start in sorted(core):
        if start in seen:
            continue
        cells, stack = set(), [start]
        seen.add(start)
        while stack:
            cell = stack.pop()
            cells.add(cell)
            for n in around(cell):
                if n in core and n not in seen:
                    seen.add(n)
                    stack.append(n)
        cells |= {n for c in list(cells) for n in around(c) if counts.get(n)}  # border cells
        if sum(counts[c] for c in cells) >= min_cases:
            found.append(cells)
    return found


def hotspots_find(
    *, district_code: str, start, end, cell_m: int, min_cases: int, lat0: float, keep: int = 50
) -> list[Cluster]:
    """The window's hotspots: one grouped query (per category, cell and grid: counts, first and last report,
    sums of the points), the clustering in memory, then one query for every hotspot's latest ``keep``
    cases."""
    dlat, dlon = cell_size(cell_m, lat0)
    cells = (
        _with_cells(_in_window(district_code, start, end), dlat, dlon)
        .values("category_id", "cx", "cy", "grid_code")
        .annotate(
            n=Count("id"), first=Min("reported_at"), last=Max("reported_at"), slat=Sum("lat"), slon=Sum("lon")
        )
        .values_list("category_id", "cx", "cy", "grid_code", "n", "first", "last", "slat", "slon")
    )
    per_category: dict[int, dict] = defaultdict(dict)
    detail: dict[tuple, list] = defaultdict(list)
    for category_id, cx, cy, grid_code, n, first, last, slat, slon in cells:
        cell = (int(cx), int(cy))
        per_category[category_id][cell] = per_category[category_id].get(cell, 0) + n
        detail[(category_id, cell)].append((grid_code, n, first, last, slat, slon))
    clusters = [
        Cluster(category_id, found)
        for category_id, counts in per_category.items()
        for found in clusters_of(counts, min_cases)
    ]
    for cluster in clusters:
        grids: dict[str, int] = defaultdict(int)
        slat = slon = 0.0
        for cell in cluster.cells:
            for grid_code, n, first, last, cell_lat, cell_lon in detail[(cluster.category_id, cell)]:
                cluster.case_count += n
                slat, slon = slat + cell_lat, slon + cell_lon
                grids[grid_code] += n
                cluster.first_at = min(cluster.first_at or first, first)
                cluster.last_at = max(cluster.last_at or last, last)
        cluster.lat, cluster.lon = slat / cluster.case_count, slon / cluster.case_count
        # The grid holding most of its cases (ties: the lowest code).
        cluster.grid_code = min(grids.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    _latest(clusters, _with_cells(_in_window(district_code, start, end), dlat, dlon), keep)
    return sorted(clusters, key=lambda c: (-c.case_count, c.key))


def _latest(clusters, cells_qs, keep) -> None:
    """Set each cluster's latest ``keep`` cases, oldest first. A cluster's latest cases are among the latest
    ``keep`` of each of its cells, so one query reads those (per category and cell, newest first) for the
    clusters' categories, and each row goes to the cluster owning its cell."""
    owner = {(c.category_id, cell): c for c in clusters for cell in c.cells}
    if not owner:
        return
    newest_in_cell = Window(
        RowNumber(),
        partition_by=[F("category_id"), F("cx"), F("cy")],
        order_by=[F("reported_at").desc(), F("id").desc()],
    )
    rows = (
        cells_qs.filter(category_id__in={c.category_id for c in clusters})
        .annotate(rank=newest_in_cell)
        .filter(rank__lte=keep)
        .order_by("-reported_at", "-id")
        .values_list("id", "category_id", "cx", "cy")
    )
    for case_id, category_id, cx, cy in rows.iterator(chunk_size=5000):
        cluster = owner.get((category_id, (int(cx), int(cy))))
        if cluster is not None and len(cluster.case_ids) < keep:
            cluster.case_ids.append(case_id)
    for cluster in clusters:
        cluster.case_ids.reverse()

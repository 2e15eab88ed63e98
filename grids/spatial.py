"""``grid_for_point``: an in-memory STRtree over the active boundaries, one per process.

The index is rebuilt when ``BoundaryRevision`` moves (checked at most once per ``RECHECK_SECONDS``) or
at once when this process saved an area. A lookup is a tree query with a ``covered_by`` predicate, so a
point in a hole is outside and a point on an edge is inside both neighbours; the smallest area wins,
then the lowest code, which makes shared edges deterministic.
"""

import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely
from shapely import STRtree

from .geometry import BoundaryError, boundary_shape
from .models import LEVEL_ORDER, Area, BoundaryRevision, Level

RECHECK_SECONDS = 2.0


@dataclass
class _Index:
    revision: int
    tree: STRtree | None
    ids: np.ndarray
    # Code and level per geometry: a case created at a point needs them, and reading them here saves
    # the area query on every report.
    codes: list
    levels: list
    # Sort key per geometry: deeper level first, then smaller area, then code.
    rank: np.ndarray
    grid_tree: STRtree | None
    grid_ids: np.ndarray
    generation: int = 0


_lock = threading.Lock()
# ``generation`` moves on every local invalidation; an index serves only the generation it was built
# for, so a thread on the fast path never uses an index older than the last local save.
_state = {"index": None, "checked_at": 0.0, "generation": 0}


def invalidate():
    """Drop this process's index (called on local saves; other processes follow the revision)."""
    _state["generation"] += 1


def _build(revision: int) -> _Index:
    rows = list(
        Area.objects.active().exclude(boundary__isnull=True).values_list("id", "code", "level", "boundary")
    )
    geoms, ids, codes, levels, keys, grid_geoms, grid_ids = [], [], [], [], [], [], []
    for area_id, code, level, boundary in rows:
        try:
            geom = boundary_shape(boundary)
        except BoundaryError:
            continue
        if geom is None or geom.is_empty:
            continue
        geoms.append(geom)
        ids.append(area_id)
        codes.append(code)
        levels.append(level)
        keys.append((-LEVEL_ORDER.index(level), geom.area, code))
        if level == Level.GRID:
            grid_geoms.append(geom)
            grid_ids.append(area_id)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return _Index(
        revision=revision,
        tree=STRtree(geoms) if geoms else None,
        ids=np.array(ids, dtype=np.int64),
        codes=codes,
        levels=levels,
        rank=rank,
        grid_tree=STRtree(grid_geoms) if grid_geoms else None,
        grid_ids=np.array(grid_ids, dtype=np.int64),
    )


def _index() -> _Index:
    now = time.monotonic()
    index = _state["index"]
    fresh = index is not None and index.generation == _state["generation"]
    if fresh and now - _state["checked_at"] < RECHECK_SECONDS:
        return index
    with _lock:
        generation = _state["generation"]
        revision = BoundaryRevision.current()
        index = _state["index"]
        if index is None or index.generation != generation or index.revision != revision:
            index = _build(revision)
            index.generation = generation
            _state["index"] = index
        _state["checked_at"] = now
    return index


class PlacedArea(NamedTuple):
    """The area a point lies in, as the spatial index knows it (no query)."""

    id: int
    code: str
    level: str


def area_at_point(lat: float, lon: float) -> PlacedArea | None:
    """The smallest active area whose boundary covers the point, or None outside them all."""
    index = _index()
    if index.tree is None:
        return None
    hits = index.tree.query(shapely.Point(lon, lat), predicate="covered_by")
    if len(hits) == 0:
        return None
    best = int(hits[np.argmin(index.rank[hits])])
    return PlacedArea(int(index.ids[best]), index.codes[best], index.levels[best])


def grid_for_point(lat: float, lon: float) -> int | None:
    """Id of the smallest active area whose boundary covers the point, or None outside them all."""
    placed = area_at_point(lat, lon)
    return placed.id if placed else None


def grids_for_points(points) -> list[int | None]:
    """Vectorised ``grid_for_point`` for many (lat, lon) pairs (imports, benchmarks)."""
    index = _index()
    result: list[int | None] = [None] * len(points)
    if index.tree is None or not len(points):
        return result
    geoms = shapely.points([(lon, lat) for lat, lon in points])
    point_idx, tree_idx = index.tree.query(geoms, predicate="covered_by")
    best_rank: dict[int, int] = {}
    for p, t in zip(point_idx.tolist(), tree_idx.tolist()):
        r = int(index.rank[t])
        if p not in best_rank or r < best_rank[p]:
            best_rank[p] = r
            result[p] = int(index.ids[t])
    return result


def nearest_grid(lat: float, lon: float) -> int | None:
    """The nearest active grid to a point (a suggestion for points outside every boundary)."""
    index = _index()
    if index.grid_tree is None:
        return None
    nearest = index.grid_tree.nearest(shapely.Point(lon, lat))
    return None if nearest is None else int(index.grid_ids[nearest])

"""Reads of the tree that are more than a ``.get``."""

from .models import Area, Level
from .spatial import (  # noqa: F401  (public API of grids)
    PlacedArea,
    area_at_point,
    grid_for_point,
    grids_for_points,
    nearest_grid,
)


def subtree(area: Area, include_self=True):
    return area.descendants(include_self=include_self)


def grid_of(area: Area) -> Area | None:
    """The grid an area belongs to: itself for a grid, its parent for a micro-grid, None above."""
    if area.level == Level.GRID:
        return area
    if area.level == Level.MICROGRID:
        return area.parent
    return None

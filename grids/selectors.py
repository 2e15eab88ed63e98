"""Reads of the tree that are more than a ``.get``."""

from django.db.models import Q

from .models import Area, Department, Level
from .scope import prefix_q, reach, scope_for
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


@scope_for(Department)
def department_scope(user, qs):
    """Departments serving any part of the user's areas, and the user's own departments."""
    user_reach = reach(user)
    codes = user_reach.codes()
    # A department is visible when it covers an area on the path to (or under) one of the user's areas.
    above = {code[:n] for code in codes for n in (6, 9, 12, 15, 18) if n <= len(code)}
    covering = Q(covered_areas__code__in=above) | prefix_q("covered_areas__code", codes)
    return qs.filter(Q(pk__in=qs.filter(covering).values("pk")) | Q(pk__in=user_reach.department_ids))

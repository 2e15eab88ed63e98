"""Grid adjustment (网格动态调整): split, merge, redraw and retire.

Areas are never deleted: a split or merge retires the old grids (``is_active=False``, ``retired_at``) and
creates new ones with fresh codes, so cases, visits and memberships that pointed at an old grid keep
pointing at it and history reads as it was. Every adjustment writes one ``AreaChange`` with the areas it
retired and created and the boundaries as they were, and bumps the boundary revision on commit so every
process rebuilds its spatial index.

Where the successor is clear, active memberships move to it (the old row is kept, inactive): a merge has
one successor; a micro-grid that lies within one part of a split follows that part; a split grid's own
team moves only to the part the caller names, since nothing else says which part they keep.
"""

from dataclasses import dataclass, field

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import mapping

from . import spatial
from .boundaries import DEFAULT_TOLERANCE_M2, area_m2, check_geometry, outside_m2, sibling_overlaps
from .geometry import boundary_shape
from .models import Area, AreaChange, BoundaryRevision, Level, Membership, Role
from .scope import forget_reach, reach

# A micro-grid follows a split part when at least this share of it lies inside that part.
CLEAR_SHARE = 0.99


@dataclass
class Adjustment:
    change: AreaChange
    created: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    moved_memberships: int = 0
    # Active memberships left on retired areas because no successor was clear (to reassign by hand).
    unassigned_memberships: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


# --- checks -------------------------------------------------------------------------------------------


def _check_actor(actor, areas):
    """The district centre (or a superuser) adjusts grids; ``actor=None`` is the operator's shell."""
    if actor is None or actor.is_superuser:
        return
    if not all(reach(actor).covers(a.code, [Role.DISTRICT_CENTRE]) for a in areas):
        raise PermissionDenied(_("Only the district centre may adjust grids."))


def _lock(areas) -> list[Area]:
    """Lock the rows and re-read them: the caller's copies may be stale."""
    ids = [a.pk for a in areas]
    locked = {
        a.pk: a
        for a in Area.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("parent")
    }
    rows = [locked[pk] for pk in ids]
    for area in rows:
        if not area.is_active:
            raise ValidationError({"area": _("%(name)s is already retired.") % {"name": area.name}})
    return rows


def _shape(geojson, field_name="boundary"):
    geom, errors = check_geometry(geojson)
    if errors:
        raise ValidationError({field_name: errors})
    return geom


def _check_inside(geom, parent: Area, tolerance_m2, field_name="boundary"):
    if parent is None or not parent.boundary:
        return
    outside = outside_m2(geom, boundary_shape(parent.boundary))
    if outside > tolerance_m2:
        raise ValidationError(
            {field_name: _("%(m2).0f m² lies outside %(name)s.") % {"m2": outside, "name": parent.name}}
        )


def _check_no_overlap(candidates: dict, parent: Area, tolerance_m2, exclude_codes=()):
    overlaps = sibling_overlaps(candidates, [parent.code], tolerance_m2, exclude_codes=exclude_codes)
    if overlaps:
        raise ValidationError(
            {
                "boundary": [
                    _("%(a)s overlaps %(b)s by %(m2).0f m².") % {"a": a, "b": b, "m2": m2}
                    for a, b, m2 in overlaps
                ]
            }
        )


# --- writes shared by the adjustments --------------------------------------------------------------------


def next_child_codes(parent: Area, count: int) -> list[str]:
    """Fresh codes under a parent; retired children keep theirs forever, so they count too."""
    last = Area.objects.filter(parent=parent).order_by("-code").values_list("code", flat=True).first()
    start = int(last[-3:]) + 1 if last else 1
    if start + count - 1 > 999:
        raise ValidationError({"parent": _("%(name)s has no free codes left.") % {"name": parent.name}})
    return [f"{parent.code}{n:03d}" for n in range(start, start + count)]


def _retire(areas, now):
    Area.objects.filter(pk__in=[a.pk for a in areas]).update(is_active=False, retired_at=now, updated_at=now)
    for area in areas:
        area.is_active, area.retired_at = False, now


def _active_descendants(area: Area):
    return list(Area.objects.active().subtree(area.code).exclude(pk=area.pk))


def _move_memberships(source: Area, target: Area) -> int:
    """Give ``source``'s active members the same role on ``target``; the old row stays, inactive."""
    moved = 0
    for membership in (
        Membership.objects.select_for_update(of=("self",))
        .filter(area=source, is_active=True)
        .select_related("user")
    ):
        if membership.department_id:
            # One membership per user and department (a constraint): the handler's row follows the area.
            membership.area = target
            membership.save(update_fields=["area"])
        else:
            successor, _created = Membership.objects.get_or_create(
                user=membership.user, area=target, role=membership.role, department=None
            )
            if not successor.is_active:
                successor.is_active = True
                successor.save(update_fields=["is_active"])
            membership.is_active = False
            membership.save(update_fields=["is_active"])
        forget_reach(membership.user)
        moved += 1
    return moved


def _create(**fields) -> Area:
    area = Area(**fields)
    try:
        area.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ValidationError({f"{fields.get('name')}.{k}": v for k, v in exc.message_dict.items()}) from exc
    area.save()
    return area


def _copy_area(source: Area, parent: Area, code: str) -> Area:
    return _create(
        code=code,
        name=source.name,
        level=source.level,
        parent=parent,
        kind=source.kind,
        purpose=source.purpose,
        boundary=source.boundary,
        households=source.households,
        residents=source.residents,
    )


def _record(kind, actor, note, retired, created, previous):
    change = AreaChange.objects.create(kind=kind, actor=actor, note=note, previous_boundaries=previous)
    change.retired.set(retired)
    change.created.set(created)
    spatial.invalidate()
    transaction.on_commit(BoundaryRevision.bump)
    return change


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split an integer by weights, largest remainder first, so the parts sum to the total."""
    whole = sum(weights) or 1.0
    shares = [total * w / whole for w in weights]
    parts = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _leftover_memberships(areas) -> list:
    return list(Membership.objects.filter(area__in=areas, is_active=True).select_related("user", "area"))


# --- the adjustments ------------------------------------------------------------------------------------


@transaction.atomic
def grid_split(
    *,
    grid: Area,
    parts: list[dict],
    actor,
    team_to: int | None = None,
    note: str = "",
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
) -> Adjustment:
    """Split one grid into new grids that tile it exactly.

    ``parts``: dicts with ``name`` and ``boundary`` (GeoJSON), optionally ``kind``, ``purpose``,
    ``households``, ``residents`` (figures default to the old grid's, shared by area). ``team_to`` is the
    index of the part that takes over the old grid's team.
    """
    _check_actor(actor, [grid])
    (grid,) = _lock([grid])
    if grid.level != Level.GRID:
        raise ValidationError({"grid": _("Only a grid can be split.")})
    if len(parts) < 2:
        raise ValidationError({"parts": _("A split needs at least two parts.")})
    if team_to is not None and not 0 <= team_to < len(parts):
        raise ValidationError({"team_to": _("team_to must name one of the parts.")})
    geoms = [_shape(p.get("boundary"), f"parts[{i}].boundary") for i, p in enumerate(parts)]
    old_geom = boundary_shape(grid.boundary) if grid.boundary else None
    for i, geom in enumerate(geoms):
        if not str(parts[i].get("name") or "").strip():
            raise ValidationError({f"parts[{i}].name": _("Each part needs a name.")})
        _check_inside(geom, grid.parent, tolerance_m2, f"parts[{i}].boundary")
    if old_geom is not None:
        mismatch = area_m2(shapely.symmetric_difference(shapely.union_all(geoms), old_geom))
        if mismatch > tolerance_m2:
            raise ValidationError(
                {
                    "parts": _(
                        "The parts must cover the grid exactly (%(m2).0f m² differ); "
                        "redraw first for other changes."
                    )
                    % {"m2": mismatch}
                }
            )
    codes = next_child_codes(grid.parent, len(parts))
    _check_no_overlap(dict(zip(codes, geoms)), grid.parent, tolerance_m2, exclude_codes=[grid.code])

    weights = [g.area for g in geoms]
    households = _apportion(grid.households, weights)
    residents = _apportion(grid.residents, weights)
    new_grids = []
    for i, (part, code) in enumerate(zip(parts, codes)):
        new_grids.append(
            _create(
                code=code,
                name=part["name"],
                level=Level.GRID,
                parent=grid.parent,
                kind=part.get("kind", grid.kind),
                purpose=part.get("purpose", grid.purpose),
                boundary=part["boundary"],
                households=part.get("households", households[i]),
                residents=part.get("residents", residents[i]),
            )
        )
    now = timezone.now()
    old_micro = _active_descendants(grid)
    result = Adjustment(change=None, created=list(new_grids), retired=[grid] + old_micro)
    next_micro = {g.pk: 1 for g in new_grids}
    for micro in old_micro:
        target = _clear_part(micro, geoms, new_grids)
        if target is None:
            result.warnings.append(
                _("%(name)s straddles the parts and was retired without a successor.") % {"name": micro.name}
            )
            continue
        copy = _copy_area(micro, target, f"{target.code}{next_micro[target.pk]:03d}")
        next_micro[target.pk] += 1
        result.created.append(copy)
        result.moved_memberships += _move_memberships(micro, copy)
    if team_to is not None:
        result.moved_memberships += _move_memberships(grid, new_grids[team_to])
    _retire(result.retired, now)
    result.unassigned_memberships = _leftover_memberships(result.retired)
    result.change = _record(
        AreaChange.Kind.SPLIT,
        actor,
        note,
        result.retired,
        result.created,
        {a.code: a.boundary for a in result.retired},
    )
    return result


def _clear_part(micro: Area, geoms, new_grids):
    if not micro.boundary:
        return None
    shape = boundary_shape(micro.boundary)
    for geom, part in zip(geoms, new_grids):
        if shape.area and shapely.intersection(shape, geom).area / shape.area >= CLEAR_SHARE:
            return part
    return None


@transaction.atomic
def grid_merge(
    *,
    grids: list[Area],
    name: str,
    actor,
    note: str = "",
    kind=None,
    purpose=None,
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
) -> Adjustment:
    """Merge neighbouring grids of one community into one new grid; teams and micro-grids follow it."""
    _check_actor(actor, grids)
    grids = _lock(sorted(grids, key=lambda g: g.code))
    if len(grids) < 2:
        raise ValidationError({"grids": _("A merge needs at least two grids.")})
    if any(g.level != Level.GRID for g in grids) or len({g.parent_id for g in grids}) != 1:
        raise ValidationError({"grids": _("Only grids of the same community can be merged.")})
    if not str(name or "").strip():
        raise ValidationError({"name": _("The merged grid needs a name.")})
    geoms = [boundary_shape(g.boundary) for g in grids if g.boundary]
    boundary = None
    if geoms:
        merged = shapely.union_all(geoms)
        if merged.geom_type != "Polygon":
            raise ValidationError({"grids": _("The grids do not form one contiguous area.")})
        geojson = mapping(merged)
        boundary = {"type": geojson["type"], "coordinates": _lists(geojson["coordinates"])}
    parent = grids[0].parent
    (code,) = next_child_codes(parent, 1)
    first = grids[0]
    merged_grid = _create(
        code=code,
        name=name,
        level=Level.GRID,
        parent=parent,
        boundary=boundary,
        kind=kind or first.kind,
        purpose=first.purpose if purpose is None else purpose,
        households=sum(g.households for g in grids),
        residents=sum(g.residents for g in grids),
    )
    result = Adjustment(change=None, created=[merged_grid], retired=list(grids))
    n = 1
    for grid in grids:
        for micro in _active_descendants(grid):
            copy = _copy_area(micro, merged_grid, f"{merged_grid.code}{n:03d}")
            n += 1
            result.created.append(copy)
            result.retired.append(micro)
            result.moved_memberships += _move_memberships(micro, copy)
        result.moved_memberships += _move_memberships(grid, merged_grid)
    _retire(result.retired, timezone.now())
    result.unassigned_memberships = _leftover_memberships(result.retired)
    result.change = _record(
        AreaChange.Kind.MERGE,
        actor,
        note,
        result.retired,
        result.created,
        {a.code: a.boundary for a in result.retired},
    )
    return result


def _lists(coords):
    """shapely's mapping() gives tuples; stored GeoJSON keeps lists."""
    return (
        [_lists(c) for c in coords]
        if isinstance(coords, (list, tuple)) and not isinstance(coords[0], float)
        else list(coords)
    )


@transaction.atomic
def grid_redraw(
    *, boundaries: dict, actor, note: str = "", tolerance_m2: float = DEFAULT_TOLERANCE_M2
) -> Adjustment:
    """Give areas new boundaries (the same areas, codes and teams); neighbours move an edge together.

    ``boundaries``: {area: GeoJSON}. The result may not overlap a sibling nor leave the parent.
    """
    areas = list(boundaries)
    _check_actor(actor, areas)
    locked = _lock(areas)
    geoms = {}
    for area, original in zip(locked, areas):
        geoms[area.code] = _shape(boundaries[original], f"{area.code}.boundary")
        _check_inside(geoms[area.code], area.parent, tolerance_m2, f"{area.code}.boundary")
    for parent in {a.parent for a in locked if a.parent is not None}:
        mine = {a.code: geoms[a.code] for a in locked if a.parent_id == parent.pk}
        _check_no_overlap(mine, parent, tolerance_m2)
    result = Adjustment(change=None)
    previous = {}
    for area, original in zip(locked, areas):
        previous[area.code] = area.boundary
        area.boundary = boundaries[original]
        area.save()
        for child in _active_descendants(area):
            if child.boundary and outside_m2(boundary_shape(child.boundary), geoms[area.code]) > tolerance_m2:
                result.warnings.append(
                    _("%(child)s now lies partly outside %(name)s.")
                    % {"child": child.name, "name": area.name}
                )
    result.change = _record(AreaChange.Kind.REDRAW, actor, note, [], [], previous)
    return result


@transaction.atomic
def area_retire(*, area: Area, actor, successor: Area | None = None, note: str = "") -> Adjustment:
    """Retire an area and everything below it; its own members move to ``successor`` when one is given."""
    _check_actor(actor, [area] + ([successor] if successor else []))
    (area,) = _lock([area])
    if area.level == Level.DISTRICT:
        raise ValidationError({"area": _("A district cannot be retired here.")})
    if successor is not None:
        (successor,) = _lock([successor])
        if successor.level != area.level or successor.code.startswith(area.code):
            raise ValidationError({"successor": _("The successor must be an active area of the same level.")})
    retired = [area] + _active_descendants(area)
    result = Adjustment(change=None, retired=retired)
    if successor is not None:
        result.moved_memberships = _move_memberships(area, successor)
    _retire(retired, timezone.now())
    result.unassigned_memberships = _leftover_memberships(retired)
    result.change = _record(
        AreaChange.Kind.RETIRE, actor, note, retired, [], {a.code: a.boundary for a in retired}
    )
    return result

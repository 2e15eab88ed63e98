"""Grid adjustment from a page (网格动态调整): the district centre splits, merges or redraws grids, sees a
preview first, and reads the history of changes.

Nothing here writes on its own: the preview runs the very service that will run on confirmation
(``grids.adjustment.grid_split``/``grid_merge``/``grid_redraw``) inside a transaction that is always rolled
back, so the preview refuses exactly what the confirmation would refuse and shows what it would create. The
rows that would change grid (buildings, places and the people living in those buildings, open cases) are
read from their points against the new boundaries.
"""

from dataclasses import dataclass, field

import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from shapely.geometry import Point, mapping

from cases.models import Case
from cases.workflow import OPEN
from grids import adjustment
from grids.boundaries import area_m2, check_geometry
from grids.geometry import boundary_shape
from grids.models import Area, AreaChange, Level, Role
from grids.scope import prefix_q, reach
from residents.models import Building, Person, Place

from . import rehoming

SPLIT, MERGE, REDRAW = AreaChange.Kind.SPLIT, AreaChange.Kind.MERGE, AreaChange.Kind.REDRAW
MOVE_LIMIT = 200  # rows listed in the preview; the totals count them all


def centre_codes(user) -> list[str]:
    """Where the user may adjust grids: the district centre's areas (everything for a superuser)."""
    r = reach(user)
    return [""] if r.is_superuser else r.codes([Role.DISTRICT_CENTRE])


def adjustable_grids(user):
    codes = centre_codes(user)
    grids = Area.objects.filter(level=Level.GRID, is_active=True).select_related("parent").order_by("code")
    return grids if "" in codes else grids.filter(prefix_q("code", codes))


# --- reading what was drawn or uploaded ----------------------------------------------------------------


def polygons(geojson) -> list[dict]:
    """The (Multi)Polygon features of a GeoJSON geometry, Feature or FeatureCollection, as
    ``{"name", "geometry"}``; a ValidationError in the user's words for anything else."""
    if not isinstance(geojson, dict):
        raise ValidationError(_("Draw the boundary on the map, or upload a GeoJSON file."))
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        features = geojson.get("features")
    elif kind == "Feature":
        features = [geojson]
    else:
        features = [{"type": "Feature", "geometry": geojson, "properties": {}}]
    if not isinstance(features, list) or not features:
        raise ValidationError(_("The GeoJSON holds no boundary."))
    found = []
    for feature in features:
        if not isinstance(feature, dict):
            raise ValidationError(_("The GeoJSON holds something that is not a feature."))
        geometry = feature.get("geometry")
        geom, errors = check_geometry(geometry)
        if errors:
            raise ValidationError(errors)
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        found.append(
            {"name": str(props.get("name") or "").strip()[:100], "geometry": geometry, "shape": geom}
        )
    return found


def _geojson(geom) -> dict:
    data = mapping(geom)
    return {"type": data["type"], "coordinates": adjustment._lists(data["coordinates"])}


def split_parts(grid: Area, drawn: list[dict], names: list[str]) -> list[dict]:
    """The parts of a split: the features as given when there are two or more; one drawn shape cuts the
    grid in two (what lies inside it, and the rest), so the parts tile the grid exactly."""
    if len(drawn) >= 2:
        return [
            {"name": d["name"] or (names[i] if i < len(names) else ""), "boundary": d["geometry"]}
            for i, d in enumerate(drawn)
        ]
    if not grid.boundary:
        raise ValidationError(_("This grid has no boundary to cut: upload the parts."))
    whole = boundary_shape(grid.boundary)
    inside = shapely.intersection(whole, drawn[0]["shape"])
    rest = shapely.difference(whole, drawn[0]["shape"])
    if inside.is_empty or rest.is_empty or inside.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("The drawn shape must cut the grid in two."))
    if rest.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("The drawn shape must cut the grid in two."))
    return [
        {"name": names[0] if names else "", "boundary": _geojson(inside)},
        {"name": names[1] if len(names) > 1 else "", "boundary": _geojson(rest)},
    ]


# --- running the service -------------------------------------------------------------------------------


@dataclass
class Request:
    """One adjustment as the page asks for it, ready to hand to its service."""

    kind: str
    grids: list
    parts: list = field(default_factory=list)  # split
    name: str = ""  # merge
    boundary: dict | None = None  # redraw
    note: str = ""
    team_to: int | None = None  # split: the part that keeps the old grid's team

    def run(self, actor):
        if self.kind == SPLIT:
            return adjustment.grid_split(
                grid=self.grids[0], parts=self.parts, actor=actor, note=self.note, team_to=self.team_to
            )
        if self.kind == MERGE:
            return adjustment.grid_merge(grids=self.grids, name=self.name, actor=actor, note=self.note)
        return adjustment.grid_redraw(boundaries={self.grids[0]: self.boundary}, actor=actor, note=self.note)


@dataclass
class Outline:
    code: str
    name: str
    boundary: dict | None
    area_m2: float = 0.0

    def feature(self, role):
        return {
            "type": "Feature",
            "geometry": self.boundary,
            "properties": {"code": self.code, "name": self.name, "role": role, "m2": round(self.area_m2)},
        }


@dataclass
class Move:
    kind: str  # building, place, case
    label: str
    name: str
    from_name: str
    to_name: str  # "" when the point lies in none of the new grids
    persons: int = 0


@dataclass
class Preview:
    before: list = field(default_factory=list)
    after: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unassigned: list = field(default_factory=list)
    moves: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    unplaced: dict = field(default_factory=dict)  # rows in the old grids with no point
    # Split and merge: what the re-homing would move, per kind and new grid, and what it would leave.
    placements: list = field(default_factory=list)
    left: list = field(default_factory=list)
    left_counts: dict = field(default_factory=dict)
    # The re-homing's totals: "this moves 12 buildings, 40 persons, 3 open cases".
    effect: dict = field(default_factory=dict)

    def geojson(self):
        features = [o.feature("before") for o in self.before if o.boundary]
        features += [o.feature("after") for o in self.after if o.boundary]
        return {"type": "FeatureCollection", "features": features}


class _Rollback(Exception):
    pass


def _outline(area: Area, boundary) -> Outline:
    shape = boundary_shape(boundary) if boundary else None
    return Outline(area.code, area.name, boundary, area_m2(shape) if shape is not None else 0.0)


def adjustment_preview(*, actor, request: Request) -> Preview:
    """What ``request`` would do, computed by running its service and rolling everything back.

    Raises the service's ValidationError or PermissionDenied, as the confirmation would."""
    preview = Preview()
    try:
        with transaction.atomic():
            result = request.run(actor)
            if request.kind == REDRAW:
                grid = request.grids[0]
                preview.before = [_outline(grid, result.change.previous_boundaries.get(grid.code))]
                preview.after = [_outline(grid, request.boundary)]
            else:
                preview.before = [_outline(a, a.boundary) for a in result.retired if a.level == Level.GRID]
                preview.after = [_outline(a, a.boundary) for a in result.created if a.level == Level.GRID]
            preview.warnings = list(result.warnings)
            preview.unassigned = [
                f"{m.user} · {m.get_role_display()} · {m.area.name}" for m in result.unassigned_memberships
            ]
            planned = rehoming.plan_for(result)
            if planned.areas:
                preview.placements = planned.placements()
                preview.left = [u for u in planned.unplaced if u.kind != rehoming.MEMBERSHIP]
                preview.left_counts = dict(planned.unplaced_counts)
                preview.effect = _effect(planned)
            raise _Rollback
    except _Rollback:
        pass
    _find_moves(preview, request)
    return preview


@transaction.atomic
def adjustment_apply(*, actor, request: Request):
    """Run the adjustment and re-home the rows whose point now lies in another grid (``command.rehoming``:
    the old grids' rows after a split or merge, the redrawn grid's and its neighbours' after a redraw), in
    one transaction: a failure anywhere leaves the grids and every row as they were. Returns the adjustment
    and the re-homing's plan."""
    result = request.run(actor)
    return result, rehoming.adjustment_rehome(adjustment=result, actor=actor)


def _effect(planned) -> dict:
    """What the confirmation moves, in total: buildings, the residents living in them, open cases, places."""
    moves = planned.moves
    return {
        "buildings": sum(len(rows) for rows in moves[rehoming.BUILDING].values()),
        "persons": sum(planned.persons.values()),
        "cases": sum(len(rows) for rows in moves[rehoming.CASE].values()),
        "places": sum(len(rows) for rows in moves[rehoming.PLACE].values()),
    }


# --- what changes grid -------------------------------------------------------------------------------


def _find_moves(preview: Preview, request: Request):
    """Rows whose point would lie in another grid: those of the old grids, and for a redraw also those of
    the neighbours (same community) that the new boundary takes in."""
    old = {o.code: o for o in preview.before}
    if request.kind == REDRAW:
        grid = request.grids[0]
        watched = Q(code__startswith=grid.parent.code) if grid.parent else Q(code=grid.code)
        watched_codes = list(
            Area.objects.filter(watched, level=Level.GRID, is_active=True).values_list("code", flat=True)
        )
        # The neighbours keep their boundaries, the redrawn grid has its new one (smallest first, as
        # command.rehoming places a point): a row of the redrawn grid goes to the neighbour that takes it,
        # a neighbour's row moves only when the redrawn grid takes it.
        redrawn = {o.code: o for o in preview.after if o.boundary}
        neighbours = [
            Outline(a.code, a.name, a.boundary)
            for a in Area.objects.filter(code__in=watched_codes).exclude(code__in=list(redrawn))
            if a.boundary
        ]
        new_homes = sorted(
            ((o, boundary_shape(o.boundary)) for o in [*redrawn.values(), *neighbours]),
            key=lambda p: p[1].area,
        )
        names = dict(Area.objects.filter(code__in=watched_codes).values_list("code", "name"))
    else:
        watched_codes = list(old)
        new_homes = [(o, boundary_shape(o.boundary)) for o in preview.after if o.boundary]
        names = {code: o.name for code, o in old.items()}
    if not watched_codes:
        return
    rows_q = prefix_q("area__code", watched_codes)
    counts = {"building": 0, "place": 0, "case": 0, "persons": 0}
    unplaced = {"building": 0, "place": 0, "case": 0}
    sources = [
        (
            "building",
            _("Building"),
            Building.objects.filter(rows_q).annotate(
                persons=Count(
                    "dwellings__households__persons",
                    filter=Q(dwellings__households__persons__status=Person.Status.RESIDENT),
                )
            ),
        ),
        ("place", _("Place"), Place.objects.filter(rows_q, is_active=True)),
        ("case", _("Open case"), Case.objects.filter(rows_q, status__in=OPEN)),
    ]
    for kind, label, rows in sources:
        for row in rows.select_related("area").iterator(chunk_size=500):
            home = _grid_code(row.area.code, watched_codes)
            if row.lat is None or row.lon is None:
                if home in old:
                    unplaced[kind] += 1
                continue
            point = Point(row.lon, row.lat)
            target = next((o for o, shape in new_homes if shape.covers(point)), None)
            if request.kind == REDRAW and home not in old and (target is None or target.code not in old):
                continue  # a neighbour's row the redraw does not take
            if target is not None and target.code == home:
                continue
            counts[kind] += 1
            persons = getattr(row, "persons", 0) or 0
            counts["persons"] += persons
            if len(preview.moves) < MOVE_LIMIT:
                name = row.name if kind != "case" else f"{row.public_id} {row.title}"
                preview.moves.append(
                    Move(kind, label, name, names.get(home, home), target.name if target else "", persons)
                )
    preview.totals, preview.unplaced = counts, unplaced


def _grid_code(code: str, grid_codes) -> str:
    return next((g for g in grid_codes if code.startswith(g)), code)


# --- the history -------------------------------------------------------------------------------------


def change_history(user, limit=50) -> list:
    """Adjustments that touched the user's areas, newest first, with who, when and which areas."""
    codes = centre_codes(user)
    changes = AreaChange.objects.select_related("actor").prefetch_related("retired", "created")
    if "" not in codes:
        touched = prefix_q("retired__code", codes) | prefix_q("created__code", codes) | Q(kind=REDRAW)
        changes = changes.filter(touched).distinct()
    found = []
    for change in changes.order_by("-created_at")[: limit * 4]:
        redrawn = sorted(change.previous_boundaries) if change.kind == REDRAW else []
        if (
            "" not in codes
            and change.kind == REDRAW
            and not any(c.startswith(root) for c in redrawn for root in codes)
        ):
            continue
        change.redrawn_names = list(Area.objects.filter(code__in=redrawn).values_list("name", flat=True))
        found.append(change)
        if len(found) == limit:
            break
    return found

"""Re-homing after a split, merge or redraw (随网格迁移): rows go to the grid that now covers their point.

``grids.adjustment`` retires the old grids and creates the new ones (moving the memberships whose successor
is clear); this module moves what lives *in* the old grids, each row to the new area whose boundary covers
its point (the smallest one: a micro-grid before its grid, as ``grids.spatial`` places a point):

- open cases (``area``, ``area_code``, and a ``handling_area`` that was an old grid), each with a
  ``rehome`` event through the one event writer (``cases.services.cases_rehome``);
- buildings, and with each building its dwellings, households, residents, their tags and open visit tasks
  (``residents.services.buildings_rehome``);
- places (``residents.services.places_rehome``);
- what the other apps register in ``grids.rehome_hooks`` (``tasks``: open task assignments);
- the workers' last patrol positions (``command.PatrolLast``: the map's "where is everyone now" layer).
  The track itself (``PatrolPosition``) is history: a point stays in the grid it was recorded in.

A row with no point, or whose point lies in none of the new areas, stays where it is and is listed
(``Plan.unplaced``) for a person to place — as are the memberships ``grids.adjustment`` could not move.

After a redraw (``redraw_plan``) nothing is retired: the rows of the redrawn grids and of their neighbours
(the grids and micro-grids of the same community) are placed against the boundaries as now drawn, and a
row moves when its grid changes and the redrawn grid is the one it leaves or the one it enters. A row of the
redrawn grid whose point now lies in no grid stays, listed; closed cases stay where they were (history).

Each table is written by the app that owns it (``cases.services``, ``residents.services``; this module only
plans, and moves the patrol positions it owns), set-based: one ``UPDATE … WHERE id IN`` per kind and target
area, one insert of the cases' events, so the number of queries grows with the number of target areas,
never with the rows.

``plan`` only reads (the preview runs it inside the rolled-back adjustment); ``adjustment_rehome`` plans
and applies in the caller's transaction, so an adjustment and its re-homing commit or fail together.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.services import cases_rehome
from cases.workflow import OPEN
from grids import rehome_hooks
from grids.adjustment import Adjustment
from grids.geometry import boundary_shape
from grids.models import LEVEL_ORDER, Area, AreaChange, Level
from grids.scope import prefix_q
from residents.models import Building, Household, Person, Place
from residents.services import buildings_rehome, places_rehome

from .models import PatrolLast

CASE, BUILDING, PLACE, PATROL = "case", "building", "place", "patrol"
HOUSEHOLD, PERSON, MEMBERSHIP = "household", "person", "membership"
KIND_LABELS = {
    CASE: _("Open cases"),
    BUILDING: _("Buildings"),
    PERSON: _("Residents"),
    PLACE: _("Places"),
    PATROL: _("Last patrol positions"),
    HOUSEHOLD: _("Households"),
    MEMBERSHIP: _("Memberships"),
}
UNPLACED_LIMIT = 200  # rows listed by name; the counts count them all
# Why a case moved, on its timeline (the ``rehome`` event's comment).
ADJUSTMENT_COMMENT = _("Grid adjustment: the case follows its location to the new grid.")
REDRAW_COMMENT = _("Grid boundary redrawn: the case's location now lies in this grid.")


@dataclass
class Unplaced:
    kind: str
    name: str
    area_name: str
    label: str = ""

    def __post_init__(self):
        self.label = self.label or KIND_LABELS[self.kind]


@dataclass
class Placement:
    """How many rows of one kind go to one new area."""

    kind: str
    code: str
    name: str
    count: int
    label: str = ""

    def __post_init__(self):
        self.label = self.label or KIND_LABELS[self.kind]


@dataclass
class Plan:
    # kind → target area id → row ids (cases: id → old area code, for their events)
    moves: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    areas: dict = field(default_factory=dict)  # id → target Area
    # The areas the rows leave: the retired ones (split, merge), or those the moving rows come from (redraw).
    retired_ids: list = field(default_factory=list)
    redraw: bool = False
    ranked: list = field(default_factory=list)  # the new areas with their shapes, smallest first
    persons: dict = field(default_factory=dict)  # target area id → residents in the buildings moving there
    unplaced: list = field(default_factory=list)
    unplaced_counts: dict = field(default_factory=lambda: defaultdict(int))
    # What the other apps' movers (grids.rehome_hooks: tasks' assignments) move.
    others: list = field(default_factory=list)

    def placements(self) -> list[Placement]:
        found = list(self.others)
        for kind in (CASE, BUILDING, PLACE, PATROL):
            for area_id, rows in self.moves[kind].items():
                area = self.areas[area_id]
                found.append(Placement(kind, area.code, area.name, len(rows)))
                if kind == BUILDING and self.persons.get(area_id):
                    found.append(Placement(PERSON, area.code, area.name, self.persons[area_id]))
        order = list(KIND_LABELS)
        return sorted(found, key=lambda p: (p.code, order.index(p.kind) if p.kind in order else len(order)))


def _ranked_areas(adjustment: Adjustment) -> list[tuple[Area, object]]:
    """The new areas with a boundary, smallest first (a micro-grid before its grid), as the spatial
    index ranks them."""
    found = [(a, boundary_shape(a.boundary)) for a in adjustment.created if a.is_active and a.boundary]
    return sorted(found, key=lambda p: (-LEVEL_ORDER.index(p[0].level), p[1].area, p[0].code))


def _locate(points, ranked) -> list[Area | None]:
    """The new area covering each (lat, lon) (None without a point or outside them all), vectorised per
    area."""
    result: list[Area | None] = [None] * len(points)
    placed = np.array([lat is not None and lon is not None for lat, lon in points], dtype=bool)
    if not placed.any():
        return result
    geoms = np.array(
        [shapely.Point(lon, lat) if ok else shapely.Point() for (lat, lon), ok in zip(points, placed)],
        dtype=object,
    )
    open_ = placed.copy()
    for area, shape in ranked:
        hits = np.flatnonzero(open_ & shapely.covers(shape, geoms))
        for i in hits.tolist():
            result[i] = area
        open_[hits] = False
    return result


def plan(adjustment: Adjustment) -> Plan:
    """Where every row of the retired areas goes (reads only; a constant number of queries)."""
    result = Plan()
    retired = {a.pk: a for a in adjustment.retired}
    ranked = _ranked_areas(adjustment)
    result.areas = {a.pk: a for a, _shape in ranked}
    result.ranked = ranked
    result.retired_ids = list(retired)
    if not retired:
        return result
    names = {pk: a.name for pk, a in retired.items()}
    for kind, rows in _sources(list(retired)):
        rows = list(rows)
        for row, target in zip(rows, _locate([(r[1], r[2]) for r in rows], ranked)):
            if target is None:
                _unplaced(result, kind, row, names.get(row[3], ""))
                continue
            result.moves[kind][target.pk][row[0]] = retired[row[3]].code
    building_target = _persons_follow(result)
    # The last patrol positions inside the retired areas (matched by code: the row keeps a code, not a key).
    codes = [a.code for a in retired.values()]
    patrol = list(
        PatrolLast.objects.filter(prefix_q("area_code", codes)).values_list(
            "user_id", "lat", "lon", "area_code"
        )
    )
    for row, target in zip(patrol, _locate([(r[1], r[2]) for r in patrol], ranked)):
        if target is not None:
            result.moves[PATROL][target.pk][row[0]] = row[3]
    _left_behind(result, retired, building_target)
    _others(result, adjustment, apply=False)
    for membership in adjustment.unassigned_memberships:
        result.unplaced_counts[MEMBERSHIP] += 1
        if len(result.unplaced) < UNPLACED_LIMIT:
            name = f"{membership.user} · {membership.get_role_display()}"
            result.unplaced.append(Unplaced(MEMBERSHIP, name, membership.area.name))
    return result


def _persons_follow(result: Plan) -> dict:
    """The residents that follow their buildings, counted per target (one grouped query); returns
    {building id: target area id}."""
    building_target = {b: t for t, rows in result.moves[BUILDING].items() for b in rows}
    if building_target:
        counts = (
            Person.objects.filter(
                area_id__in=result.retired_ids,
                status=Person.Status.RESIDENT,
                household__dwelling__building_id__in=list(building_target),
            )
            .values_list("household__dwelling__building_id")
            .annotate(n=Count("pk"))
        )
        for building_id, n in counts:
            target = building_target[building_id]
            result.persons[target] = result.persons.get(target, 0) + n
    return building_target


def redraw_plan(adjustment: Adjustment) -> Plan:
    """After a redraw: which rows of the redrawn grids and their neighbours now lie in another grid (reads
    only; a constant number of queries). The boundaries are read back as the redraw saved them."""
    result = Plan(redraw=True)
    redrawn = list(
        Area.objects.filter(code__in=list(adjustment.change.previous_boundaries)).select_related("parent")
    )
    if not redrawn:
        return result
    roots = sorted({a.parent.code if a.parent else a.code for a in redrawn})
    watched = {
        a.pk: a
        for a in Area.objects.filter(
            prefix_q("code", roots), level__in=[Level.GRID, Level.MICROGRID], is_active=True
        )
    }
    result.areas = watched
    result.ranked = sorted(
        ((a, boundary_shape(a.boundary)) for a in watched.values() if a.boundary),
        key=lambda p: (-LEVEL_ORDER.index(p[0].level), p[1].area, p[0].code),
    )
    redrawn_codes = tuple(a.code for a in redrawn)
    left = set()
    for kind, rows in _sources(list(watched)):
        rows = list(rows)
        for row, target in zip(rows, _locate([(r[1], r[2]) for r in rows], result.ranked)):
            home = watched[row[3]]
            touched = home.code.startswith(redrawn_codes)
            if target is None:
                if touched and row[1] is not None and row[2] is not None:
                    _unplaced(result, kind, row, home.name)
                continue
            if _grid_of(target, watched).pk == _grid_of(home, watched).pk:
                continue  # the same grid (a micro-grid of it at most): the redraw moved nothing here
            if touched or target.code.startswith(redrawn_codes):
                result.moves[kind][target.pk][row[0]] = home.code
                left.update((home.pk, _grid_of(home, watched).pk))
    result.retired_ids = sorted(left)
    _persons_follow(result)
    return result


def plan_for(adjustment: Adjustment) -> Plan:
    """The re-homing's plan of any adjustment: a redraw's, or a split's or merge's."""
    if adjustment.change.kind == AreaChange.Kind.REDRAW:
        return redraw_plan(adjustment)
    return plan(adjustment)


def _sources(area_ids):
    """(kind, rows) of what has a point in ``area_ids``: (id, lat, lon, area id, name, title)."""
    return [
        (
            CASE,
            Case.objects.filter(area_id__in=area_ids, status__in=OPEN).values_list(
                "pk", "lat", "lon", "area_id", "public_id", "title"
            ),
        ),
        (
            BUILDING,
            Building.objects.filter(area_id__in=area_ids).values_list("pk", "lat", "lon", "area_id", "name"),
        ),
        (
            PLACE,
            Place.objects.filter(area_id__in=area_ids, is_active=True).values_list(
                "pk", "lat", "lon", "area_id", "name"
            ),
        ),
    ]


def _unplaced(result: Plan, kind, row, area_name):
    result.unplaced_counts[kind] += 1
    if len(result.unplaced) < UNPLACED_LIMIT:
        label = f"{row[4]} {row[5]}" if kind == CASE else row[4]
        result.unplaced.append(Unplaced(kind, label, area_name))


def _left_behind(result: Plan, retired: dict, building_target: dict):
    """Households that no moving building carries (no dwelling, or their building stays) and residents
    without a household: listed, as their own address is not a point."""
    households = Household.objects.filter(area_id__in=retired, is_active=True).exclude(
        dwelling__building_id__in=list(building_target)
    )
    persons = Person.objects.filter(
        area_id__in=retired, household__isnull=True, status=Person.Status.RESIDENT
    )
    for kind, rows, names in (
        (HOUSEHOLD, households, households.values_list("area_id", "number", "address")),
        (PERSON, persons, persons.values_list("area_id", "name")),
    ):
        found = list(names[: UNPLACED_LIMIT + 1])
        result.unplaced_counts[kind] += len(found) if len(found) <= UNPLACED_LIMIT else rows.count()
        for area_id, *name in found:
            if len(result.unplaced) < UNPLACED_LIMIT:
                result.unplaced.append(Unplaced(kind, " ".join(name), retired[area_id].name))


def _others(result: Plan, adjustment: Adjustment, *, apply: bool):
    """Run the other apps' movers; their placements and unplaced rows join the plan."""
    result.others = []

    def locate(points):
        return _locate(points, result.ranked)

    for report in rehome_hooks.movers_run(adjustment, apply=apply, locate=locate):
        for kind, label, area, count in report.placements:
            result.others.append(Placement(kind, area.code, area.name, count, str(label)))
        if apply:
            continue  # counted by the plan already
        for kind, label, name, area_name in report.unplaced:
            result.unplaced_counts[kind] += 1
            if len(result.unplaced) < UNPLACED_LIMIT:
                result.unplaced.append(Unplaced(kind, name, area_name, str(label)))


def _grid_of(area: Area, areas: dict) -> Area:
    """The grid an area belongs to (itself, or a micro-grid's parent among the new areas)."""
    if area.level == Level.GRID:
        return area
    return areas.get(area.parent_id) or area.parent


def apply(result: Plan, *, actor, adjustment: Adjustment) -> None:
    """Move the planned rows through the apps that own them: one UPDATE per kind and target area, one insert
    of the cases' events."""
    now = timezone.now()
    areas = result.areas
    comment = REDRAW_COMMENT if result.redraw else ADJUSTMENT_COMMENT
    cases_rehome(
        moves={(areas[a], _grid_of(areas[a], areas)): rows for a, rows in result.moves[CASE].items()},
        actor=actor,
        comment=str(comment),
        payload={"change": getattr(adjustment.change, "pk", None)},
        handling_from=result.retired_ids,
        at=now,
    )
    buildings_rehome(
        moves={a: list(rows) for a, rows in result.moves[BUILDING].items()},
        from_area_ids=result.retired_ids,
        at=now,
    )
    places_rehome(moves={a: list(rows) for a, rows in result.moves[PLACE].items()}, at=now)
    for area_id, rows in result.moves[PATROL].items():
        PatrolLast.objects.filter(pk__in=list(rows)).update(area_code=areas[area_id].code)
    if not result.redraw:
        _others(result, adjustment, apply=True)


@transaction.atomic
def adjustment_rehome(*, adjustment: Adjustment, actor) -> Plan:
    """Move every row of the grids ``adjustment`` retired to the new grid that covers its point, in the
    caller's transaction; returns the plan (what moved where, and what is left for a person to place)."""
    result = plan_for(adjustment)
    apply(result, actor=actor, adjustment=adjustment)
    return result

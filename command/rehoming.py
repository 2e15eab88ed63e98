"""Re-homing after a split or merge (随网格迁移): the rows of the retired grids go to the new grids.

``grids.adjustment`` retires the old grids and creates the new ones (moving the memberships whose successor
is clear); this module moves what lives *in* the old grids, each row to the new area whose boundary covers
its point (the smallest one: a micro-grid before its grid, as ``grids.spatial`` places a point):

- open cases (``area``, ``area_code``, and a ``handling_area`` that was an old grid), each with a
  ``correct_area`` event through the one event writer (``cases.events.events_append``);
- buildings, and with each building its dwellings, households, residents, their tags and open visit tasks;
- places;
- what the other apps register in ``grids.rehome_hooks`` (``tasks``: open task assignments);
- the workers' last patrol positions (``command.PatrolLast``: the map's "where is everyone now" layer).
  The track itself (``PatrolPosition``) is history: a point stays in the grid it was recorded in.

A row with no point, or whose point lies in none of the new areas, stays where it is and is listed
(``Plan.unplaced``) for a person to place — as are the memberships ``grids.adjustment`` could not move.

Everything is set-based: one ``UPDATE … WHERE id IN`` per kind and target area, one insert of the cases'
events, so the number of queries grows with the number of new areas, never with the rows.

``plan`` only reads (the preview runs it inside the rolled-back adjustment); ``adjustment_rehome`` plans
and applies in the caller's transaction, so an adjustment and its re-homing commit or fail together.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.events import EventDraft, events_append
from cases.models import Case
from cases.workflow import OPEN
from grids import rehome_hooks
from grids.adjustment import Adjustment
from grids.geometry import boundary_shape
from grids.models import LEVEL_ORDER, Area, Level
from grids.scope import prefix_q
from residents.models import Building, Dwelling, Household, Person, PersonTag, Place, VisitTask

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
    areas: dict = field(default_factory=dict)  # id → new Area
    retired_ids: list = field(default_factory=list)
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
    sources = [
        (
            CASE,
            Case.objects.filter(area_id__in=retired, status__in=OPEN).values_list(
                "pk", "lat", "lon", "area_id", "public_id", "title"
            ),
        ),
        (
            BUILDING,
            Building.objects.filter(area_id__in=retired).values_list("pk", "lat", "lon", "area_id", "name"),
        ),
        (
            PLACE,
            Place.objects.filter(area_id__in=retired, is_active=True).values_list(
                "pk", "lat", "lon", "area_id", "name"
            ),
        ),
    ]
    for kind, rows in sources:
        rows = list(rows)
        for row, target in zip(rows, _locate([(r[1], r[2]) for r in rows], ranked)):
            if target is None:
                result.unplaced_counts[kind] += 1
                if len(result.unplaced) < UNPLACED_LIMIT:
                    label = f"{row[4]} {row[5]}" if kind == CASE else row[4]
                    result.unplaced.append(Unplaced(kind, label, names.get(row[3], "")))
                continue
            result.moves[kind][target.pk][row[0]] = retired[row[3]].code
    # The residents that follow their buildings, counted per target (one grouped query).
    building_target = {b: t for t, rows in result.moves[BUILDING].items() for b in rows}
    if building_target:
        counts = (
            Person.objects.filter(
                area_id__in=retired,
                status=Person.Status.RESIDENT,
                household__dwelling__building_id__in=list(building_target),
            )
            .values_list("household__dwelling__building_id")
            .annotate(n=Count("pk"))
        )
        for building_id, n in counts:
            target = building_target[building_id]
            result.persons[target] = result.persons.get(target, 0) + n
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
    """Move the planned rows: one UPDATE per kind and target area, one insert of the cases' events."""
    now = timezone.now()
    retired_ids = result.retired_ids
    case_ids = [pk for rows in result.moves[CASE].values() for pk in rows]
    if case_ids:
        # The cases' row locks, in id order, before their chains move (the event writer's rule).
        list(Case.objects.select_for_update(of=("self",)).filter(pk__in=sorted(case_ids)).values_list("pk"))
    drafts = []
    statuses = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "status")) if case_ids else {}
    for area_id, rows in result.moves[CASE].items():
        area = result.areas[area_id]
        ids = list(rows)
        Case.objects.filter(pk__in=ids).update(
            area_id=area.pk, area_code=area.code, version=F("version") + 1, updated_at=now
        )
        Case.objects.filter(pk__in=ids, handling_area_id__in=retired_ids).update(
            handling_area_id=_grid_of(area, result.areas).pk
        )
        drafts += [
            EventDraft(
                case_id=pk,
                kind="correct_area",
                at=now,
                actor_id=getattr(actor, "pk", None),
                from_status=statuses[pk],
                to_status=statuses[pk],
                comment=str(_("Grid adjustment: the case follows its location to the new grid.")),
                payload={"from": old, "to": area.code, "change": getattr(adjustment.change, "pk", None)},
            )
            for pk, old in rows.items()
        ]
    events_append(sorted(drafts, key=lambda d: d.case_id))
    for area_id, rows in result.moves[BUILDING].items():
        ids = list(rows)
        # What the building carries, where it is still on an old grid (a row registered elsewhere stays).
        old = {"area_id__in": retired_ids}
        Building.objects.filter(pk__in=ids).update(area_id=area_id, updated_at=now)
        Dwelling.objects.filter(building_id__in=ids, **old).update(area_id=area_id)
        Household.objects.filter(dwelling__building_id__in=ids, **old).update(area_id=area_id, updated_at=now)
        inside = "household__dwelling__building_id__in"
        Person.objects.filter(**{inside: ids}, **old).update(area_id=area_id, updated_at=now)
        PersonTag.objects.filter(**{f"person__{inside}": ids}, **old).update(area_id=area_id)
        VisitTask.objects.filter(**{f"person__{inside}": ids}, **old, status=VisitTask.Status.OPEN).update(
            area_id=area_id
        )
    for area_id, rows in result.moves[PLACE].items():
        Place.objects.filter(pk__in=list(rows)).update(area_id=area_id, updated_at=now)
    for area_id, rows in result.moves[PATROL].items():
        PatrolLast.objects.filter(pk__in=list(rows)).update(area_code=result.areas[area_id].code)
    _others(result, adjustment, apply=True)


@transaction.atomic
def adjustment_rehome(*, adjustment: Adjustment, actor) -> Plan:
    """Move every row of the grids ``adjustment`` retired to the new grid that covers its point, in the
    caller's transaction; returns the plan (what moved where, and what is left for a person to place)."""
    result = plan(adjustment)
    apply(result, actor=actor, adjustment=adjustment)
    return result

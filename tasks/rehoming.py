"""Assignments after a split or merge (``grids.rehome_hooks``, called by ``command.rehoming``).

Merge: an open assignment of a merged grid follows the merged grid (its targets and results come with it,
being its rows). Two open assignments of one task in the merged grids cannot both follow (one assignment per
task and grid): the first (lowest grid code) follows, the others are listed for a person to place.

Split: every part of the grid was chosen when the grid was, so each part gets the task. An assignment not
yet begun (handed to no worker, nothing filled in) follows the part holding most of its target objects, a
fresh assignment is made for each other part, and each target goes to the part whose boundary covers its
object (a building's or place's point; a person's building); a target without a point stays with the
assignment. An assignment already begun is listed for a person to place: its workers and answers belong to
the old grid.

All set-based: per part one UPDATE of the assignments that go there and one of the targets; one insert of
the fresh assignments; one recount of the totals.
"""

from collections import Counter, defaultdict

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from grids.models import CODE_LENGTH, Level
from grids.rehome_hooks import Report, mover
from residents.models import Building, Person, Place

from .models import Assignment, Target, TargetKind, Task

KIND = "assignment"
LABEL = _("Task assignments")
GRID_LEN = CODE_LENGTH[Level.GRID]


def _open(retired):
    return (
        Assignment.objects.filter(area_id__in=retired, task__status=Task.Status.OPEN)
        .exclude(status=Assignment.Status.ACCEPTED)
        .order_by("area_code", "pk")
    )


@mover
def assignments_follow(adjustment, *, apply: bool, locate) -> Report:
    report = Report()
    retired = {a.pk: a for a in adjustment.retired if a.level == Level.GRID}
    new_grids = sorted((a for a in adjustment.created if a.level == Level.GRID), key=lambda a: a.code)
    if not retired or not new_grids:
        return report
    if len(new_grids) == 1:
        _merge(report, retired, new_grids[0], apply=apply)
    else:
        _split(report, retired, new_grids, apply=apply, locate=locate)
    return report


def _merge(report, retired, target, *, apply):
    following, tasks = [], set()
    for pk, task_id, area_id, title in _open(retired).values_list("pk", "task_id", "area_id", "task__title"):
        if task_id in tasks:
            report.unplaced.append((KIND, LABEL, title, retired[area_id].name))
            continue
        tasks.add(task_id)
        following.append(pk)
    if following:
        report.placements.append((KIND, LABEL, target, len(following)))
        if apply:
            Assignment.objects.filter(pk__in=following).update(
                area_id=target.pk, area_code=target.code, version=F("version") + 1
            )


def _begun(rows):
    return (
        rows.exclude(status=Assignment.Status.ASSIGNED)
        | rows.filter(targets_done__gt=0)
        | rows.filter(workers__isnull=False)
    )


def _split(report, retired, parts, *, apply, locate):
    rows = _open(retired)
    begun = set(_begun(rows).values_list("pk", flat=True))
    fresh = {}
    for pk, task_id, area_id, title, deadline in rows.values_list(
        "pk", "task_id", "area_id", "task__title", "deadline"
    ):
        if pk in begun:
            report.unplaced.append((KIND, LABEL, title, retired[area_id].name))
        else:
            fresh[pk] = (task_id, deadline)
    if not fresh:
        return
    by_code = {p.code: p for p in parts}
    # Each target's part, from its object's point.
    target_part: dict[int, object] = {}
    located = _target_points(list(fresh))
    for ((target_id, _assignment), _point), area in zip(located, locate([p for _t, p in located])):
        part = by_code.get(area.code[:GRID_LEN]) if area is not None else None
        if part is not None:
            target_part[target_id] = part
    counts: dict[int, Counter] = defaultdict(Counter)
    for (target_id, assignment_id), _point in located:
        if target_id in target_part:
            counts[assignment_id][target_part[target_id].code] += 1
    # The part each assignment follows: most of its targets, else the first part.
    home = {pk: by_code[counts[pk].most_common(1)[0][0]] if counts[pk] else parts[0] for pk in fresh}
    for part in parts:
        report.placements.append((KIND, LABEL, part, len(fresh)))
    if not apply:
        return
    for part in parts:
        going = [pk for pk, p in home.items() if p == part]
        if going:
            Assignment.objects.filter(pk__in=going).update(
                area_id=part.pk, area_code=part.code, version=F("version") + 1
            )
    Assignment.objects.bulk_create(
        [
            Assignment(task_id=task_id, area_id=part.pk, area_code=part.code, deadline=deadline)
            for pk, (task_id, deadline) in fresh.items()
            for part in parts
            if part != home[pk]
        ]
    )
    for part in parts:
        moving = [t for t, p in target_part.items() if p == part]
        if moving:
            Target.objects.filter(pk__in=moving).update(
                assignment_id=Subquery(
                    Assignment.objects.filter(task_id=OuterRef("task_id"), area_id=part.pk).values("pk")[:1]
                )
            )
    tasks = {task_id for task_id, _deadline in fresh.values()}
    counted = (
        Target.objects.filter(assignment_id=OuterRef("pk"))
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    Assignment.objects.filter(task_id__in=tasks, area_id__in=[p.pk for p in parts]).update(
        targets_total=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )
    Task.objects.filter(pk__in=tasks).update(grids=F("grids") + len(parts) - 1)


def _target_points(assignment_ids) -> list[tuple[tuple[int, int], tuple]]:
    """((target id, assignment id), (lat, lon)) of the assignments' targets, one query per kind of object."""
    found = []
    sources = {
        TargetKind.BUILDING: Building.objects.filter(pk=OuterRef("object_id")),
        TargetKind.PLACE: Place.objects.filter(pk=OuterRef("object_id")),
        TargetKind.PERSON: Person.objects.filter(pk=OuterRef("object_id")),
    }
    prefix = {TargetKind.PERSON: "household__dwelling__building__"}
    for kind, objects in sources.items():
        p = prefix.get(kind, "")
        rows = (
            Target.objects.filter(assignment_id__in=assignment_ids, kind=kind)
            .annotate(
                lat=Subquery(objects.values(f"{p}lat")[:1]),
                lon=Subquery(objects.values(f"{p}lon")[:1]),
            )
            .values_list("pk", "assignment_id", "lat", "lon")
        )
        found += [((pk, a), (lat, lon)) for pk, a, lat, lon in rows]
    return found

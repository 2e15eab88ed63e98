"""Reads of the tasks app and its access scopes.

Scope (docs/domain.md §8): a grid sees its own assignments, a community (street, centre) the assignments of
its grids, a department the tasks it asked for; whoever sent a task sees all of it.
"""

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scope_for

from .models import (
    AdmissionItem,
    AdmissionList,
    AdmissionRefusal,
    Assignment,
    Target,
    Task,
    TaskEvent,
    TaskResult,
)

AREA_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)


def _assignment_q(user, prefix="") -> Q:
    r = reach(user)
    q = prefix_q(f"{prefix}area_code", r.codes(AREA_ROLES))
    if r.department_ids:
        q |= Q(**{f"{prefix}task__department_id__in": r.department_ids})
    return q | Q(**{f"{prefix}task__sender": user})


@scope_for(Assignment)
def assignment_scope(user, qs):
    return qs.filter(_assignment_q(user))


@scope_for(Task)
def task_scope(user, qs):
    """Tasks with an assignment in the user's areas, those their department asked for, those they sent."""
    r = reach(user)
    mine = Assignment.objects.filter(prefix_q("area_code", r.codes(AREA_ROLES)), task=OuterRef("pk"))
    q = Exists(mine) | Q(sender=user)
    if r.department_ids:
        q |= Q(department_id__in=r.department_ids)
    return qs.filter(q)


@scope_for(TaskResult)
def result_scope(user, qs):
    return qs.filter(_assignment_q(user, "assignment__"))


@scope_for(Target)
def target_scope(user, qs):
    return qs.filter(_assignment_q(user, "assignment__"))


@scope_for(TaskEvent)
def event_scope(user, qs):
    return qs.filter(task__in=task_scope(user, Task.objects.all()))


@scope_for(AdmissionList)
def admission_list_scope(user, qs):
    """The list is public reference for every signed-in member of the organisation."""
    return qs if _member(user) else qs.none()


@scope_for(AdmissionItem)
def admission_item_scope(user, qs):
    return qs if _member(user) else qs.none()


@scope_for(AdmissionRefusal)
def refusal_scope(user, qs):
    """The centre sees every refusal; a department its own; other staff those in their areas."""
    r = reach(user)
    if r.codes([Role.DISTRICT_CENTRE]):
        return qs
    q = prefix_q("area_code", r.codes(AREA_ROLES)) | Q(requester=user)
    if r.department_ids:
        q |= Q(department_id__in=r.department_ids)
    return qs.filter(q)


def _member(user) -> bool:
    r = reach(user)
    return bool(r.codes() or r.department_ids)


# --- Progress -------------------------------------------------------------------------------------


def _counts(now):
    done = Q(status=Assignment.Status.ACCEPTED)
    return {
        "assigned": Count("id"),
        "started": Count("id", filter=~Q(status=Assignment.Status.ASSIGNED)),
        "submitted": Count("id", filter=Q(status=Assignment.Status.SUBMITTED)),
        "done": Count("id", filter=done),
        "overdue": Count("id", filter=~done & Q(deadline__lt=now)),
        "targets_total": Coalesce(Sum("targets_total"), Value(0), output_field=IntegerField()),
        "targets_done": Coalesce(Sum("targets_done"), Value(0), output_field=IntegerField()),
    }


def child_level(level: str) -> Level:
    order = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
    found = Level(level)
    return order[min(order.index(found) + 1, len(order) - 1)] if found in order else Level.GRID


def progress(task: Task, *, user, area: Area | None = None, now=None) -> dict:
    """Progress of a task in ``area`` (default: the user's whole view): the totals and one row per unit one
    level below (per grid at the community), each counted by one grouped query over the assignments."""
    now = now or timezone.now()
    base = (
        assignment_scope(user, Assignment.objects.filter(task=task))
        if not user.is_superuser
        else (Assignment.objects.filter(task=task))
    )
    level = area.level if area else Level.DISTRICT
    if area is not None:
        base = base.filter(prefix_q("area_code", [area.code]))
    below = child_level(level)
    length = CODE_LENGTH[below]
    totals = base.aggregate(**_counts(now))
    rows = list(
        base.annotate(unit=Substr("area_code", 1, length))
        .values("unit")
        .annotate(**_counts(now))
        .order_by("unit")
    )
    names = dict(Area.objects.filter(code__in=[r["unit"] for r in rows]).values_list("code", "name"))
    for row in rows:
        row["name"] = names.get(row["unit"], row["unit"])
    return {"level": below, "totals": totals, "rows": rows}


def assignments_for_worker(user):
    """The open assignments of the grids the user works in (the phone's list)."""
    r = reach(user)
    return (
        Assignment.objects.filter(prefix_q("area_code", r.codes([Role.GRID_WORKER, Role.GRID_LEADER])))
        .exclude(status=Assignment.Status.ACCEPTED)
        .select_related("task", "task__item", "area")
        .order_by("deadline", "id")
    )


def task_timeline(task: Task):
    return TaskEvent.objects.filter(task=task).select_related("actor", "assignment").order_by("seq")


# --- The burden report ------------------------------------------------------------------------------


def burden_report(user, *, since: datetime.date | None = None) -> list[dict]:
    """Refused requests by requesting department and month (the centre's "burden" report)."""
    qs = (
        refusal_scope(user, AdmissionRefusal.objects.all())
        if not user.is_superuser
        else AdmissionRefusal.objects.all()
    )
    if since:
        qs = qs.filter(at__date__gte=since)
    rows = (
        qs.annotate(month=TruncMonth("at"))
        .values("month", "department_id", "department__name", "kind")
        .annotate(refused=Count("id"))
        .order_by("-month", "department__name", "kind")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m") if row["month"] else "",
            "department": row["department__name"] or "",
            "department_id": row["department_id"],
            "kind": row["kind"],
            "refused": row["refused"],
        }
        for row in rows
    ]

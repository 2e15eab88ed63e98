"""Reads of the field-work app and its access scopes.

Scope (docs/domain.md §8.4, §8.5): a grid worker sees their own work logs and the grid days of their
community; a cadre sees the grid days and visits they were sent to; community staff see their grids, a
street its communities, the centre all.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scope_for, scoped

from .models import Deployment, FieldEvent, GridDay, WorkLog

COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]
AREA_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)
# Who reads other people's work logs: the grid's leader and the staff above it (not fellow workers).
LOG_READER_ROLES = (
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)
# docs/domain.md §8.5: a day counts as attended with at least this much time on patrol in the worker's grid.
ATTENDANCE_MIN_MINUTES = 120


def _communities_of(user) -> list[str]:
    """Community codes the user's grid roles sit under (a grid worker sees their community's grid day)."""
    return sorted(
        {code[:COMMUNITY_LEN] for code in reach(user).codes(AREA_ROLES) if len(code) > COMMUNITY_LEN}
    )


@scope_for(GridDay)
def grid_day_scope(user, qs):
    mine = Deployment.objects.filter(cadre=user).values("grid_day_id")
    q = prefix_q("community_code", reach(user).codes(AREA_ROLES)) | Q(
        community_code__in=_communities_of(user)
    )
    return qs.filter(q | Q(pk__in=mine))


@scope_for(Deployment)
def deployment_scope(user, qs):
    return qs.filter(prefix_q("area_code", reach(user).codes(AREA_ROLES)) | Q(cadre=user))


@scope_for(WorkLog)
def work_log_scope(user, qs):
    return qs.filter(prefix_q("area_code", reach(user).codes(LOG_READER_ROLES)) | Q(worker=user))


@scope_for(FieldEvent)
def event_scope(user, qs):
    """Steps in the user's areas (staff), their own, and those of their own work logs."""
    return qs.filter(
        prefix_q("area_code", reach(user).codes(LOG_READER_ROLES)) | Q(actor=user) | Q(work_log__worker=user)
    )


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


def parse_month(value, default: datetime.date) -> datetime.date:
    """'2026-03' as its first day; anything else the default month's first day."""
    try:
        year, month = str(value or "").split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return default.replace(day=1)


def coverage(user, month: datetime.date) -> dict:
    """Which grids in the user's view had their grid day in ``month``, and who came: a row per grid
    (community, day, cadres assigned, cadres checked in and their names, findings) and the totals.
    Four queries, whatever the number of grids."""
    grids = list(
        scoped(user, Area.objects.filter(level=Level.GRID, is_active=True))
        .order_by("code")
        .values("id", "code", "name")
    )
    community_codes = sorted({g["code"][:COMMUNITY_LEN] for g in grids})
    communities = dict(Area.objects.filter(code__in=community_codes).values_list("code", "name"))
    days = {
        d.community_code: d
        for d in GridDay.objects.filter(month=month.replace(day=1), community_code__in=community_codes)
    }
    per_grid: dict[str, dict] = {}
    deployments = (
        Deployment.objects.filter(grid_day__in=list(days.values()))
        .select_related("cadre", "case")
        .order_by("area_code", "id")
    )
    for d in deployments:
        row = per_grid.setdefault(d.area_code, {"assigned": 0, "came": [], "findings": []})
        row["assigned"] += 1
        if d.checked_in_at is not None:
            row["came"].append(str(d.cadre))
        if d.case is not None:
            row["findings"].append(d.case.number)
    rows = []
    for g in grids:
        community = g["code"][:COMMUNITY_LEN]
        day = days.get(community)
        seen = per_grid.get(g["code"], {"assigned": 0, "came": [], "findings": []})
        rows.append(
            {
                "grid_code": g["code"],
                "grid": g["name"],
                "community": communities.get(community, community),
                "grid_day_id": day.pk if day else None,
                "day": day.day if day else None,
                "assigned": seen["assigned"],
                "came": seen["came"],
                "findings": seen["findings"],
                "held": bool(seen["came"]),
            }
        )
    return {
        "month": month.strftime("%Y-%m"),
        "grids": len(rows),
        "scheduled": sum(1 for r in rows if r["day"]),
        "held": sum(1 for r in rows if r["held"]),
        "cadres": sum(len(r["came"]) for r in rows),
        "rows": rows,
    }


def _attendance_rows(qs):
    return qs.values("worker_id").annotate(
        days=Count("id"),
        attended=Count("id", filter=Q(patrol_minutes__gte=ATTENDANCE_MIN_MINUTES)),
        submitted=Count("id", filter=Q(status=WorkLog.Status.SUBMITTED)),
        minutes=Coalesce(Sum("patrol_minutes"), 0),
        metres=Coalesce(Sum("distance_m"), 0),
        visits=Coalesce(Sum("visits"), 0),
        cases=Coalesce(Sum("cases_reported"), 0),
    )


def rate(attended: int, days: int):
    return round(attended * 100 / days, 2) if days else None


def attendance(user, month: datetime.date) -> list[dict]:
    """Monthly attendance per worker in the user's view (docs/domain.md §8.5): logged days, attended days,
    the attendance rate, time on patrol, distance, visits, cases reported, logs submitted."""
    first, following = month_bounds(month)
    qs = scoped(user, WorkLog.objects.filter(day__gte=first, day__lt=following))
    rows = list(_attendance_rows(qs).order_by("worker_id"))
    names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=[r["worker_id"] for r in rows])}
    for r in rows:
        r["worker"] = names.get(r["worker_id"], "")
        r["rate"] = rate(r["attended"], r["days"])
        r["hours"] = round(r["minutes"] / 60, 1)
    return rows


def attendance_figures(user_ids, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """{worker id: {"value", "num", "den"}}: attended days / logged days × 100 over [start, end), for the
    assessment's worker composite (docs/domain.md §5.17). One query; a worker without logs has no entry."""
    qs = WorkLog.objects.filter(worker_id__in=list(user_ids), day__gte=start, day__lt=end)
    return {
        r["worker_id"]: {"value": rate(r["attended"], r["days"]), "num": r["attended"], "den": r["days"]}
        for r in _attendance_rows(qs)
    }

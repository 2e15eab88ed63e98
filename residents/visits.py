"""Visit coverage (走访覆盖率) and the daily follow-up list of priority persons.

Coverage of a month = distinct households visited in that month ÷ households registered in it, counted
by the database per grid (or community, street, district: the area code's prefix of that length), per
grid worker, and for the whole of the user's reach.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from grids.models import CODE_LENGTH, GRID_TEAM_ROLES, Area, Level, Membership
from grids.scope import scoped

from . import access
from .models import Household, Person, PersonTag, Visit, VisitTask


@dataclass
class CoverageRow:
    code: str
    name: str
    households: int
    visited: int
    visits: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.visited / self.households, 1) if self.households else None


def month_bounds(month: dt.date):
    """Start and end (exclusive) of the calendar month containing ``month``, as aware datetimes (local)."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    to_dt = lambda d: dt.datetime.combine(d, dt.time.min, tzinfo=tz)  # noqa: E731
    return to_dt(first), to_dt(following)


def households_in_month(codes, start, end):
    """Households registered before the month ended and not gone before it started."""
    return Household.objects.filter(access.codes_q("area__code", codes), created_at__lt=end).filter(
        Q(is_active=True) | Q(left_on__gte=start.date())
    )


def coverage_by_area(user, *, month: dt.date, level=Level.GRID, within: str = "") -> list[CoverageRow]:
    """One row per area at ``level`` inside the user's reach (and inside ``within``, a code prefix)."""
    codes = _narrow(access.read_codes(user), within)
    start, end = month_bounds(month)
    width = CODE_LENGTH[level]
    households = households_in_month(codes, start, end)
    totals = dict(
        households.annotate(key=Substr("area__code", 1, width))
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    visits = Visit.objects.filter(visited_at__gte=start, visited_at__lt=end, household__in=households)
    visited = {
        key: (n, v)
        for key, n, v in visits.annotate(key=Substr("household__area__code", 1, width))
        .values("key")
        .annotate(n=Count("household", distinct=True), v=Count("id"))
        .values_list("key", "n", "v")
    }
    areas = Area.objects.filter(access.codes_q("code", codes), level=level).values_list("code", "name")
    rows = []
    for code, name in areas:
        n, v = visited.get(code, (0, 0))
        rows.append(CoverageRow(code=code, name=name, households=totals.get(code, 0), visited=n, visits=v))
    return rows


def coverage_total(rows: list[CoverageRow]) -> CoverageRow:
    return CoverageRow(
        code="",
        name="",
        households=sum(r.households for r in rows),
        visited=sum(r.visited for r in rows),
        visits=sum(r.visits for r in rows),
    )


def coverage_by_worker(user, *, month: dt.date, within: str = "") -> list[dict]:
    """Per grid worker / leader in reach: households in their grids, how many they visited, visits made."""
    codes = _narrow(access.read_codes(user), within)
    start, end = month_bounds(month)
    grid_rows = {r.code: r for r in coverage_by_area(user, month=month, level=Level.GRID, within=within)}
    team = Membership.objects.filter(
        access.codes_q("area__code", codes), role__in=GRID_TEAM_ROLES, is_active=True
    ).values_list("user_id", "user__username", "user__display_name", "area__code")
    workers: dict[int, dict] = {}
    for user_id, username, display, code in team:
        w = workers.setdefault(user_id, {"user_id": user_id, "name": display or username, "grids": set()})
        w["grids"].add(code[: CODE_LENGTH[Level.GRID]])
    done = {
        vid: (n, v)
        for vid, n, v in Visit.objects.filter(
            visited_at__gte=start, visited_at__lt=end, visitor_id__in=list(workers), household__isnull=False
        )
        .values("visitor_id")
        .annotate(n=Count("household", distinct=True), v=Count("id"))
        .values_list("visitor_id", "n", "v")
    }
    result = []
    for w in workers.values():
        households = sum(grid_rows[g].households for g in w["grids"] if g in grid_rows)
        n, v = done.get(w["user_id"], (0, 0))
        rate = round(100 * min(n, households) / households, 1) if households else None
        result.append(
            {
                **w,
                "grids": sorted(w["grids"]),
                "households": households,
                "visited": n,
                "visits": v,
                "rate": rate,
            }
        )
    return sorted(result, key=lambda w: (w["rate"] is None, w["rate"] or 0, w["name"]))


def _narrow(codes, within):
    """The user's roots intersected with a requested subtree (never wider than the reach)."""
    if not within:
        return codes
    if any(within.startswith(root) for root in codes):
        return [within]
    return [root for root in codes if root.startswith(within)]


# --- follow-ups of priority persons -----------------------------------------------------------------------


def _due_links(today: dt.date):
    """Open tags with a visit interval on resident persons, with the person's last visit."""
    last_visit = (
        Visit.objects.filter(person=OuterRef("person_id"))
        .order_by()
        .values("person_id")
        .annotate(last=Max("visited_at"))
        .values("last")
    )
    return (
        PersonTag.objects.filter(
            ended_on__isnull=True,
            started_on__lte=today,
            tag__is_active=True,
            tag__visit_interval_days__gt=0,
            person__status=Person.Status.RESIDENT,
        )
        .annotate(last_visit=Subquery(last_visit))
        .values_list(
            "person_id", "person__area_id", "tag_id", "tag__visit_interval_days", "started_on", "last_visit"
        )
    )


def overdue_persons(today: dt.date) -> dict[int, dict]:
    """Person id → the follow-up that is most overdue (earliest due date) among the person's groups."""
    tz = timezone.get_current_timezone()
    due: dict[int, dict] = {}
    for person_id, area_id, tag_id, interval, started_on, last_visit in _due_links(today).iterator(
        chunk_size=2000
    ):
        since = timezone.localtime(last_visit, tz).date() if last_visit else started_on
        due_on = since + dt.timedelta(days=interval)
        if due_on > today:
            continue
        if person_id not in due or due_on < due[person_id]["due_on"]:
            due[person_id] = {
                "area_id": area_id,
                "tag_id": tag_id,
                "due_on": due_on,
                "last_visited_at": last_visit,
            }
    return due


@transaction.atomic
def visit_tasks_build(*, today: dt.date | None = None) -> dict:
    """Open a task for every overdue priority person without one; cancel tasks no longer due. Idempotent."""
    today = today or timezone.localdate()
    due = overdue_persons(today)
    open_tasks = dict(VisitTask.objects.filter(status=VisitTask.Status.OPEN).values_list("person_id", "id"))
    stale = [task_id for person_id, task_id in open_tasks.items() if person_id not in due]
    VisitTask.objects.filter(id__in=stale).update(status=VisitTask.Status.CANCELLED, closed_at=timezone.now())
    new = [
        VisitTask(
            person_id=pid,
            area_id=d["area_id"],
            tag_id=d["tag_id"],
            due_on=d["due_on"],
            last_visited_at=d["last_visited_at"],
        )
        for pid, d in due.items()
        if pid not in open_tasks
    ]
    VisitTask.objects.bulk_create(new, batch_size=1000)
    return {"opened": len(new), "cancelled": len(stale), "open": len(due)}


def task_list(user, *, within: str = ""):
    """Open follow-ups in the user's reach (a grid worker: their grids), most overdue first."""
    qs = scoped(user, VisitTask.objects.filter(status=VisitTask.Status.OPEN))
    if within:
        qs = qs.filter(area__code__startswith=within)
    return qs.select_related("person", "person__household", "tag", "area").order_by("due_on", "id")

"""Reads of the duty app and its access scope.

A unit is the district (the centre), a street or a community. Its people: the active members of the unit's
own area (any role but a department's), and for a community also the grid teams of its grids. Scope: a
unit's people see their unit's rosters; staff and leaders see the rosters of every unit in their subtree (the
centre sees all); anyone else sees nothing.
"""

import calendar as pycalendar
import datetime as dt

from django.db.models import Q, QuerySet

from grids.models import CODE_LENGTH, GRID_TEAM_ROLES, Area, Level, Membership, Role, User
from grids.scope import prefix_q, reach, scope_for
from worktime.calendar import LOCAL_TZ

from .models import DutyEvent, Handover, Roster, RosterStatus, Shift, Swap, SwapStatus

UNIT_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
UNIT_CODE_LENGTHS = {CODE_LENGTH[level] for level in UNIT_LEVELS}
COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]
# Who oversees the rosters of the units below them, and may draw them up.
OVERSEER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE, Role.LEADER_READONLY)
PLANNER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
# The longest shift: bounds the "on duty now" read to a short range of the start index.
LONGEST_SHIFT = dt.timedelta(hours=48)


def own_unit_codes(user) -> set[str]:
    """The units the user belongs to: the unit areas they hold a role in, and a grid team's community."""
    r = reach(user)
    codes = set()
    for role, role_codes in r.codes_by_role.items():
        for code in role_codes:
            if len(code) in UNIT_CODE_LENGTHS:
                codes.add(code)
            elif role in GRID_TEAM_ROLES and len(code) > COMMUNITY_LEN:
                codes.add(code[:COMMUNITY_LEN])
    return codes


def visible_q(user, field: str = "unit_code") -> Q:
    r = reach(user)
    if r.is_superuser:
        return Q()
    return prefix_q(field, r.codes(OVERSEER_ROLES)) | Q(**{f"{field}__in": sorted(own_unit_codes(user))})


@scope_for(Roster)
def roster_scope(user, qs):
    return qs.filter(visible_q(user))


@scope_for(Shift)
def shift_scope(user, qs):
    return qs.filter(visible_q(user))


@scope_for(Swap)
def swap_scope(user, qs):
    return qs.filter(visible_q(user))


@scope_for(Handover)
def handover_scope(user, qs):
    return qs.filter(visible_q(user))


@scope_for(DutyEvent)
def event_scope(user, qs):
    return qs.filter(visible_q(user))


def unit_people_q(unit: Area) -> Q:
    """Memberships that make a person one of the unit's people."""
    q = Q(area_id=unit.pk) & ~Q(role=Role.DEPARTMENT_HANDLER)
    if unit.level == Level.COMMUNITY:
        q |= Q(area__parent_id=unit.pk, area__level=Level.GRID, role__in=GRID_TEAM_ROLES)
    return q


def unit_people(unit: Area) -> QuerySet:
    held = Membership.objects.filter(
        unit_people_q(unit), is_active=True, area__is_active=True, user__is_active=True
    )
    return User.objects.filter(pk__in=held.values("user_id")).order_by("username")


def sees_rosters(user) -> bool:
    """Does the user belong to or oversee a unit that keeps rosters (the home page's panel)?"""
    r = reach(user)
    return r.is_superuser or bool(own_unit_codes(user) or r.codes(OVERSEER_ROLES))


def units_for(user) -> QuerySet:
    """The units whose rosters the user sees, the highest first."""
    codes = own_unit_codes(user)
    roots = reach(user).codes(OVERSEER_ROLES)
    q = Q(code__in=sorted(codes)) | prefix_q("code", roots)
    if user.is_superuser:
        q = Q()
    return Area.objects.filter(q, level__in=UNIT_LEVELS, is_active=True).order_by("code")


def plannable(user, unit: Area) -> bool:
    """May the user draw up and publish the unit's rosters (staff of the unit or above it)?"""
    return user.is_superuser or reach(user).covers(unit.code, PLANNER_ROLES)


def published_shifts() -> QuerySet:
    return Shift.objects.filter(roster__status=RosterStatus.PUBLISHED)


def on_duty(user, at=None) -> QuerySet:
    """Published shifts running at ``at`` (now) in the units the user sees, by unit, the leader first."""
    at = at or dt.datetime.now(dt.UTC)
    return (
        published_shifts()
        .filter(visible_q(user), starts_at__lte=at, starts_at__gt=at - LONGEST_SHIFT, ends_at__gt=at)
        .select_related("person", "roster__unit")
        .order_by("unit_code", "post", "person__username")
    )


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime(year, month, 1, tzinfo=LOCAL_TZ)
    last_day = pycalendar.monthrange(year, month)[1]
    return first, first + dt.timedelta(days=last_day)


def unit_month(unit: Area, year: int, month: int) -> list[Shift]:
    """The unit's shifts starting in the month (published rosters and drafts alike), in order."""
    start, end = month_bounds(year, month)
    return list(
        Shift.objects.filter(unit_code=unit.code, starts_at__gte=start, starts_at__lt=end)
        .select_related("person", "roster")
        .order_by("starts_at", "post", "id")
    )


def month_grid(unit: Area, year: int, month: int) -> list[list[dict]]:
    """Weeks (Monday first) of days, each ``{"date", "in_month", "shifts"}``: the month's calendar grid."""
    by_day: dict[dt.date, list] = {}
    for shift in unit_month(unit, year, month):
        by_day.setdefault(shift.starts_at.astimezone(LOCAL_TZ).date(), []).append(shift)
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [{"date": day, "in_month": day.month == month, "shifts": by_day.get(day, [])} for day in week]
        for week in weeks
    ]


def previous_handover(shift: Shift) -> Handover | None:
    """The last handover written in the shift's unit by a shift that ended by the time this one began."""
    return (
        Handover.objects.filter(
            unit_code=shift.unit_code,
            shift__ends_at__lte=shift.starts_at,
            shift__ends_at__gt=shift.starts_at - LONGEST_SHIFT,
        )
        .exclude(shift_id=shift.pk)
        .select_related("shift", "written_by")
        .order_by("-shift__ends_at", "-id")
        .first()
    )


def swaps_to_decide(user) -> QuerySet:
    """Open swap requests on rosters the user leads."""
    return (
        Swap.objects.filter(status=SwapStatus.REQUESTED, shift__roster__leader=user)
        .select_related("shift", "requester", "substitute")
        .order_by("shift__starts_at")
    )


def my_shifts(user, since=None) -> QuerySet:
    since = since or dt.datetime.now(dt.UTC)
    return (
        published_shifts()
        .filter(person=user, ends_at__gt=since)
        .select_related("roster__unit")
        .order_by("starts_at")
    )

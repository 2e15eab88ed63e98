"""Reads of the risk app and its access scopes: a grid sees its own scores, hotspots and warnings, a
community (street, centre) those of its subtree; the settings are read by every member of the district."""

from django.db.models import F, Max, Prefetch, Q

from cases.models import Case
from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scope_for, scoped

from .components import COMPONENTS
from .models import Hotspot, RiskScore, RiskSettings, RiskWarning

AREA_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)
DISTRICT_LEN = CODE_LENGTH[Level.DISTRICT]
QUEUE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)


def _in_reach(user, field="area_code"):
    r = reach(user)
    if r.is_superuser:
        return None
    return prefix_q(field, r.codes(AREA_ROLES))


@scope_for(RiskScore)
def score_scope(user, qs):
    q = _in_reach(user)
    return qs if q is None else qs.filter(q)


@scope_for(Hotspot)
def hotspot_scope(user, qs):
    q = _in_reach(user)
    return qs if q is None else qs.filter(q)


@scope_for(RiskWarning)
def warning_scope(user, qs):
    """Warnings in the user's areas, and those given to the user's departments (docs/domain.md §17.2)."""
    q = _in_reach(user)
    if q is None:
        return qs
    departments = reach(user).department_ids
    return qs.filter(q | Q(unit_department_id__in=departments)) if departments else qs.filter(q)


@scope_for(RiskSettings)
def settings_scope(user, qs):
    r = reach(user)
    if r.is_superuser:
        return qs
    return qs.filter(district__code__in={code[:DISTRICT_LEN] for code in r.codes(AREA_ROLES)})


def districts_of(user) -> list[Area]:
    """The districts the user works in (the centre's own first)."""
    r = reach(user)
    if r.is_superuser:
        return list(Area.objects.filter(level=Level.DISTRICT, is_active=True).order_by("code"))
    codes = {code[:DISTRICT_LEN] for code in r.codes(AREA_ROLES)}
    return list(Area.objects.filter(code__in=codes, level=Level.DISTRICT).order_by("code"))


def latest_day(user):
    return scoped(user, RiskScore.objects.all()).aggregate(day=Max("day"))["day"]


def scores(user, *, day=None):
    """The day's scores in the user's scope, highest first (the latest day by default)."""
    day = day or latest_day(user)
    qs = scoped(user, RiskScore.objects.select_related("area", "area__parent"))
    return qs.filter(day=day).order_by("-score", "area_code") if day else qs.none()


def parts_of(score: RiskScore) -> list[dict]:
    """The score's components with their names and what they count, largest first (why a grid is red)."""
    rows = []
    for part in score.components:
        component = COMPONENTS.get(part["key"])
        rows.append(
            {
                **part,
                "label": component.label if component else part["key"],
                "explains": component.explains if component else "",
            }
        )
    return sorted(rows, key=lambda p: -p["points"])


def hotspots(user, *, day=None):
    day = day or scoped(user, Hotspot.objects.all()).aggregate(day=Max("day"))["day"]
    qs = scoped(user, Hotspot.objects.select_related("category", "area"))
    if not day:
        return qs.none()
    cases = Prefetch(
        "cases",
        queryset=Case.objects.order_by("-reported_at").only(
            "id", "number", "title", "address", "reported_at", "status"
        ),
    )
    return qs.filter(day=day).prefetch_related(cases).order_by("-case_count", "id")


def sees_warnings(user) -> bool:
    """May the user open the warning queue (a member of an area, or a department's handler)?"""
    r = reach(user)
    return bool(r.is_superuser or r.codes(AREA_ROLES) or r.department_ids)


def warnings(user, *, status=None):
    qs = scoped(user, RiskWarning.objects.select_related("area", "unit_area", "unit_department"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def unit_queue(user, *, mine=True):
    """The warnings not yet closed that the user's units hold (``mine``), or all those in scope; the ones
    past their deadline first, then by deadline."""
    qs = warnings(user).exclude(status=RiskWarning.Status.CLOSED)
    if mine:
        r = reach(user)
        qs = qs.filter(Q(unit_code__in=r.codes(QUEUE_ROLES)) | Q(unit_department_id__in=r.department_ids))
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")

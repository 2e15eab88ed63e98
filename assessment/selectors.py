"""Reads of the assessment: who sees which records, the report's parameters, drill-down lists.

Scope: area roles see the records of their subtrees, department handlers the records of cases sent to
their departments, superusers everything. An area or department filter outside the scope is a 404.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Category
from dispatch.models import WhistleCall
from grids.models import CODE_LENGTH, Area, Department, Level, Role
from grids.scope import prefix_q, reach, scope_for, scoped

from .figures import PARTS
from .models import CaseRecord, ReportSnapshot, StarAward
from .records import month_bounds, month_key

AREA_LEVELS = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
LEVEL_FIELD = {
    Level.DISTRICT: "district_code",
    Level.STREET: "street_code",
    Level.COMMUNITY: "community_code",
    Level.GRID: "grid_code",
}
WORKER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER]


@scope_for(CaseRecord)
def record_scope(user, qs):
    r = reach(user)
    visible = prefix_q("grid_code", r.codes())
    if r.department_ids:
        visible |= Q(department_id__in=r.department_ids)
    return qs.filter(visible)


@scope_for(ReportSnapshot)
def snapshot_scope(user, qs):
    """Published reports of areas inside the user's subtrees."""
    return qs.filter(prefix_q("scope_code", reach(user).codes()))


@scope_for(StarAward)
def star_scope(user, qs):
    return qs.filter(prefix_q("grid_code", reach(user).codes()))


def whistle_call_scope(user, qs):
    """Calls on cases in the user's subtrees, and calls summoning the user's departments."""
    if reach(user).is_superuser:
        return qs
    r = reach(user)
    visible = prefix_q("whistle__case__area_code", r.codes())
    if r.department_ids:
        visible |= Q(department_id__in=r.department_ids)
    return qs.filter(visible)


# --- The report's parameters -----------------------------------------------------------------------


@dataclass
class ReportParams:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    level: str = Level.STREET
    area: Area | None = None
    department: Department | None = None
    category: Category | None = None
    errors: dict = field(default_factory=dict)

    @property
    def month(self):
        return month_key(self.start)

    def as_query(self) -> dict:
        """The parameters as GET arguments (for links: drill-down, exports, API)."""
        query: dict[str, str | int] = {
            "start": timezone.localtime(self.start).date().isoformat(),
            "end": timezone.localtime(self.end).date().isoformat(),
            "as_of": timezone.localtime(self.as_of).isoformat(timespec="minutes"),
            "level": self.level,
        }
        if self.area:
            query["area"] = self.area.code
        if self.department:
            query["department"] = self.department.pk
        if self.category:
            query["category"] = self.category.code
        return query

    def describe(self) -> dict:
        return {
            **self.as_query(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
        }


def _local_date(value, name, errors):
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _month(value, errors):
    try:
        year, mon = (int(x) for x in str(value).split("-"))
        if not (1900 <= year <= 9999 and 1 <= mon <= 12):
            raise ValueError
    except ValueError:
        errors["month"] = [_("Enter a month as YYYY-MM.")]
        return None
    return month_bounds(year * 100 + mon)


def default_month(now=None):
    """The last complete month (what a report page opens on)."""
    local = timezone.localtime(now or timezone.now())
    first = local.replace(day=1)
    previous = first - dt.timedelta(days=1)
    return month_bounds(previous.year * 100 + previous.month)


def report_params(user, data) -> ReportParams:
    """Parse the report's GET arguments; raises ValidationError (per field) or Http404 (out of scope)."""
    errors: dict[str, list[str]] = {}
    if data.get("start") or data.get("end"):
        start = _local_date(data.get("start"), "start", errors)
        end = _local_date(data.get("end"), "end", errors)
        if start and end and end <= start:
            errors["end"] = [_("The end must come after the start.")]
    elif data.get("month"):
        start, end = _month(data["month"], errors) or (None, None)
    else:
        start, end = default_month()
    as_of = timezone.now()
    if data.get("as_of"):
        parsed = _parse_as_of(data["as_of"])
        if parsed is None:
            errors["as_of"] = [_("Enter a date and time, e.g. 2026-01-31T18:00.")]
        as_of = parsed or as_of
    level = data.get("level") or _default_level(user)
    if level not in AREA_LEVELS:
        errors["level"] = [_("Choose district, street, community or grid.")]
    category = None
    if data.get("category"):
        category = Category.objects.filter(code=data["category"]).first()
        if category is None:
            errors["category"] = [_("No such category.")]
    if errors:
        raise ValidationError(errors)
    return ReportParams(
        start=start,
        end=end,
        as_of=as_of,
        level=level,
        area=_area(user, data.get("area")),
        department=_department(user, data.get("department")),
        category=category,
    )


def _parse_as_of(value):
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _default_level(user):
    codes = reach(user).codes()
    if reach(user).is_superuser or not codes:
        return Level.STREET
    shortest = min(len(code) for code in codes)
    below = {6: Level.STREET, 9: Level.COMMUNITY, 12: Level.GRID}
    return below.get(shortest, Level.GRID)


def _area(user, code):
    if not code:
        return None
    area = Area.objects.filter(code=code, level__in=AREA_LEVELS).first()
    r = reach(user)
    if area is None or not (r.is_superuser or r.covers(area.code)):
        raise Http404
    return area


def _department(user, pk):
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404
    department = scoped(user, Department.objects.filter(pk=pk)).first()
    if department is None:
        raise Http404
    return department


# --- Record sets -----------------------------------------------------------------------------------


def records(user, params: ReportParams):
    """The scoped records of the report's period and filters."""
    qs = scoped(user, CaseRecord.objects.all()).filter(period_at__gte=params.start, period_at__lt=params.end)
    return _filtered(qs, params, area_field="grid_code", department_field="department_id")


def whistle_calls(user, params: ReportParams):
    qs = whistle_call_scope(user, WhistleCall.objects.all()).filter(
        whistle__created_at__gte=params.start, whistle__created_at__lt=params.end
    )
    return _filtered(
        qs,
        params,
        area_field="whistle__case__area_code",
        department_field="department_id",
        category_field="whistle__case__category",
    )


def _filtered(qs, params, *, area_field, department_field, category_field=None):
    if params.area:
        qs = qs.filter(prefix_q(area_field, [params.area.code]))
    if params.department:
        qs = qs.filter(**{department_field: params.department.pk})
    if params.category:
        if category_field:
            qs = qs.filter(
                Q(**{category_field: params.category}) | Q(**{f"{category_field}__parent": params.category})
            )
        else:
            qs = qs.filter(Q(category=params.category) | Q(major=params.category))
    return qs


GROUPS: dict[str, tuple[str, int | None]] = {
    **{level: (LEVEL_FIELD[level], CODE_LENGTH[level]) for level in AREA_LEVELS},
    "department": ("department_id", None),
    "team": ("team_code", None),
    "reporter": ("reporter_id", None),
    "verifier": ("verifier_id", None),
    "category": ("major_id", None),
    "request_type": ("request_type", None),
}


def drill_down(user, params: ReportParams, part_key: str, group: str = "", key: str = ""):
    """The rows behind one number of the report: records (or whistle calls) in ``part_key`` for one row
    of one table. Its count is the number the report shows."""
    part = PARTS.get(part_key)
    if part is None or (group and group not in GROUPS and group != "worker_grids"):
        raise Http404
    if part.model == "whistle":
        qs = whistle_calls(user, params).filter(part.q(params.as_of))
        if group in AREA_LEVELS and key:
            qs = qs.filter(prefix_q("whistle__case__area_code", [key]))
        elif group == "department" and key:
            qs = qs.filter(department_id=key)
        elif group:
            qs = qs.none()
        return qs.select_related("whistle__case", "department").order_by("whistle__case_id", "pk")
    qs = records(user, params).filter(part.q(params.as_of))
    if group:
        name, _length = GROUPS.get(group, ("grid_code", None))
        if group == "worker_grids":
            qs = qs.filter(prefix_q("grid_code", [c for c in key.split(",") if c]))
        elif key in ("", "None"):
            qs = qs.filter(**{f"{name}__isnull": True}) if name.endswith("_id") else qs.filter(**{name: ""})
        else:
            qs = qs.filter(**{name: key})
    return qs.select_related("case", "case__category").order_by("-period_at", "pk")


def parent_names(codes) -> dict:
    """{area code: the name of the area it lies in} (a grid's community, a community's street): the
    report's rows say where a 第4网格 is, since names repeat from one community to the next."""
    parents = {code: code[:-3] for code in codes if len(code) > CODE_LENGTH[Level.DISTRICT]}
    names = dict(Area.objects.filter(code__in=set(parents.values())).values_list("code", "name"))
    return {code: names[parent] for code, parent in parents.items() if parent in names}

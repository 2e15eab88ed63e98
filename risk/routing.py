"""Where a warning goes (docs/domain.md §17.2): the unit responsible for it, its deadline on the working-time
calendar, the unit above it, and the people of a unit who hear of it.

A rule names the level that answers for its pattern: a category rising in a street is the street's, an
unvisited person and a place that keeps reporting are the community's. A warning about a category (rising,
repeated place) goes instead to the department dispatch's routing rules send that category to in that area,
when one does, as a case of that category would be dispatched."""

from dataclasses import dataclass

from django.db.models import Q

from dispatch.models import RoutingRule
from grids.models import CODE_LENGTH, Area, Level, Membership, Role
from worktime import calendar as working

from .models import WarningRule

RULE_LEVEL = {
    WarningRule.CATEGORY_RISING: Level.STREET,
    WarningRule.VISIT_OVERDUE: Level.COMMUNITY,
    WarningRule.REPEATED_PLACE: Level.COMMUNITY,
}
# Working days a unit has to close a warning, per rule (a visit is quick; a place needs work on site).
RULE_LIMIT_DAYS = {
    WarningRule.CATEGORY_RISING: 3,
    WarningRule.VISIT_OVERDUE: 2,
    WarningRule.REPEATED_PLACE: 5,
}
UP = {Level.GRID: Level.COMMUNITY, Level.COMMUNITY: Level.STREET, Level.STREET: Level.DISTRICT}
# Who answers for a unit that is an area, by its level.
UNIT_ROLE = {
    Level.COMMUNITY: Role.COMMUNITY_STAFF,
    Level.STREET: Role.STREET_STAFF,
    Level.DISTRICT: Role.DISTRICT_CENTRE,
}


@dataclass(frozen=True)
class Unit:
    area: Area | None = None
    department_id: int | None = None

    def fields(self) -> dict:
        if self.department_id:
            return {
                "unit_department_id": self.department_id,
                "unit_area": None,
                "unit_code": "",
                "unit_level": "",
            }
        return {
            "unit_department_id": None,
            "unit_area": self.area,
            "unit_code": self.area.code,
            "unit_level": self.area.level,
        }


def due_at(rule: str, start, area_code: str):
    """The deadline: the rule's working days from ``start`` on the district's calendar."""
    return working.add_working_time(start, RULE_LIMIT_DAYS.get(rule, 3), "working_days", area_code)


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in CODE_LENGTH.values() if n <= len(code)]


def _department_rules(category_ids) -> list:
    if not category_ids:
        return []
    rules = RoutingRule.objects.filter(
        category_id__in=category_ids, is_active=True, department__is_active=True, department__isnull=False
    ).select_related("area", "owner_area")
    return sorted(rules, key=lambda r: (r.priority, -len((r.area or r.owner_area).code), r.pk))


def _department_for(rules, category_id, code):
    codes = set(_ancestors(code))
    for rule in rules:
        if rule.category_id != category_id or rule.owner_area.code not in codes:
            continue
        if rule.area is None or rule.area.code in codes:
            return rule.department_id
    return None


def units_for(drafts) -> list[Unit]:
    """The unit of each draft ``(rule, key, area_code, facts)``, in order: two queries for all of them."""
    rules = _department_rules(
        {f["category_id"] for _r, _k, _c, f in drafts if f.get("category_id") is not None}
    )
    wanted = {code[: CODE_LENGTH[RULE_LEVEL[rule]]] for rule, _k, code, _f in drafts}
    areas = {a.code: a for a in Area.objects.filter(code__in=wanted)}
    units = []
    for rule, _key, code, facts in drafts:
        department = _department_for(rules, facts["category_id"], code) if facts.get("category_id") else None
        if department:
            units.append(Unit(department_id=department))
            continue
        area = areas.get(code[: CODE_LENGTH[RULE_LEVEL[rule]]])
        units.append(Unit(area=area) if area else Unit())
    return units


def unit_above(warning) -> Area | None:
    """Where an escalation sends the warning: the area above its unit; a department's goes to the centre."""
    if warning.unit_department_id:
        level = Level.DISTRICT
    else:
        level = UP.get(warning.unit_level)
    if level is None:
        return None
    return Area.objects.filter(code=warning.area_code[: CODE_LENGTH[level]], level=level).first()


def unit_members_q(area_ids=(), department_ids=()) -> Q:
    """Active memberships that answer for the given area units and departments."""
    roles = list(UNIT_ROLE.values())
    return Q(is_active=True) & (
        Q(area_id__in=list(area_ids), role__in=roles, department__isnull=True)
        | Q(department_id__in=list(department_ids), role=Role.DEPARTMENT_HANDLER)
    )


def recipients(area_ids=(), department_ids=()) -> dict:
    """(("a", area id) or ("d", department id)) → the user ids who answer for it, in one query."""
    found: dict = {}
    rows = Membership.objects.filter(unit_members_q(area_ids, department_ids)).values_list(
        "user_id", "area_id", "department_id"
    )
    for user_id, area_id, department_id in rows:
        key = ("d", department_id) if department_id else ("a", area_id)
        found.setdefault(key, set()).add(user_id)
    return found


def transfer_choices(district_code: str):
    """Units a warning can be sent to in the district: its streets and communities, then departments."""
    areas = Area.objects.filter(
        code__startswith=district_code, level__in=[Level.STREET, Level.COMMUNITY], is_active=True
    ).order_by("code")
    return areas

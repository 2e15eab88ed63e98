"""Routing: which unit should handle a case — rules first (in priority order), then departments covering it.

A rule matches a case by category, optional area subtree and optional level, and only inside its owner's
area. Its unit is a department or the case's own grid / community team ("小事不出网格"). Categories the
centre marks ``auto_dispatch`` go straight to the first matching rule's unit when they are filed.
"""

import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from cases import extensions
from cases.models import Case
from cases.services import ActionNotAllowed, case_dispatch
from cases.workflow import Status
from grids.models import CODE_LENGTH, Area, Department, Level

from .models import RoutingRule, TeamKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    department: Department | None
    team: Area | None
    rule: RoutingRule | None
    reason: str  # "rule" or "coverage"

    @property
    def unit_name(self):
        return self.department.name if self.department else self.team.name


def _ancestor_codes(code):
    return [code[:n] for n in CODE_LENGTH.values() if n <= len(code)]


def matching_rules(case):
    """Active rules for the case, best first: priority, then the most specific area."""
    codes = _ancestor_codes(case.area_code)
    rules = (
        RoutingRule.objects.filter(category_id=case.category_id, is_active=True, owner_area__code__in=codes)
        .filter(Q(area__isnull=True) | Q(area__code__in=codes))
        .filter(Q(level="") | Q(level=case.level))
        .filter(Q(department__isnull=True) | Q(department__is_active=True))
        .select_related("department", "area", "owner_area")
    )
    return sorted(rules, key=lambda r: (r.priority, -len((r.area or r.owner_area).code), r.pk))


def _team_for(case, team_kind):
    level = Level.GRID if team_kind == TeamKind.GRID else Level.COMMUNITY
    return Area.objects.filter(code=case.area_code[: CODE_LENGTH[level]], level=level, is_active=True).first()


@extensions.routing  # the case page's dispatch form and the bulk dispatch bar list these first
def routing_suggest(case) -> list[Suggestion]:
    """Units to offer the dispatcher, best first, each once."""
    suggestions, seen = [], set()
    for rule in matching_rules(case):
        team = _team_for(case, rule.team) if rule.team else None
        if rule.team and team is None:
            continue
        key = ("d", rule.department_id) if rule.department_id else ("t", team.pk)
        if key not in seen:
            seen.add(key)
            suggestions.append(Suggestion(rule.department, team, rule, "rule"))
    codes = _ancestor_codes(case.area_code)
    covering = (
        Department.objects.filter(is_active=True, covered_areas__code__in=codes).distinct().order_by("code")
    )
    for department in covering:
        if ("d", department.pk) not in seen:
            seen.add(("d", department.pk))
            suggestions.append(Suggestion(department, None, None, "coverage"))
    return suggestions


def auto_dispatch_target(case) -> Suggestion | None:
    """The unit an auto-dispatch category goes to: the first rule's (coverage alone never auto-dispatches)."""
    return next((s for s in routing_suggest(case) if s.reason == "rule"), None)


def case_auto_dispatch(*, case_id) -> bool:
    """Dispatch a just-filed case by its rule when its category is marked for it. True when dispatched."""
    case = Case.objects.select_related("category").get(pk=case_id)
    if not case.category.auto_dispatch or case.status != Status.FILED:
        return False
    target = auto_dispatch_target(case)
    if target is None:
        return False
    try:
        case_dispatch(
            case_id=case.pk,
            actor=None,
            department=target.department,
            team=target.team,
            comment=_("Dispatched automatically by routing rule %(rule)s.") % {"rule": target.rule.pk},
        )
    except ActionNotAllowed:
        return False  # someone dispatched or moved it first
    return True

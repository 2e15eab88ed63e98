"""Hooks through which the apps above ``cases`` add to its pages and its scope, so ``cases`` imports none
of them (dependencies point one way; see the README's Architecture).

``dispatch`` owns whistles, assists and routing rules. Where a case page shows them (the whistle and arrival
forms, the whistles beside the timeline, the routing suggestions in the dispatch form) or a department's
reach includes them (cases it assists on or was whistled to), dispatch registers a function here when its
modules load (``DispatchConfig.ready``). Without dispatch the pages simply show none of it.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

from django.db.models import Q

# fn(case, user) -> [{"name", "label", "template", **what the form needs}], shown before the case's own.
SIDE_ACTIONS: list[Callable] = []
# fn(case, user) -> {name: value} added to the case page's context.
PAGE_CONTEXT: list[Callable] = []
# fn(case) -> [suggestion with .department and .team], best first.
ROUTING: list[Callable] = []
# fn(department_ids) -> Q over cases those departments see besides the ones they handle.
DEPARTMENT_REACH: list[Callable] = []
# fn(cases, user) -> {case id: [{"key", "label", "detail", "data"}]}: badges on a page of a case list (the
# queues and the API), in a fixed number of queries whatever the page's length.
ROW_BADGES: list[Callable] = []


def side_actions(fn):
    SIDE_ACTIONS.append(fn)
    return fn


def page_context(fn):
    PAGE_CONTEXT.append(fn)
    return fn


def routing(fn):
    ROUTING.append(fn)
    return fn


def department_reach(fn):
    DEPARTMENT_REACH.append(fn)
    return fn


def row_badges(fn):
    ROW_BADGES.append(fn)
    return fn


def extra_side_actions(case, user) -> list[dict]:
    return [action for fn in SIDE_ACTIONS for action in fn(case, user)]


def extra_page_context(case, user) -> dict:
    return {name: value for fn in PAGE_CONTEXT for name, value in fn(case, user).items()}


def routing_suggestions(case) -> list:
    return [suggestion for fn in ROUTING for suggestion in fn(case)]


def department_reach_q(department_ids) -> Q:
    """Cases the departments reach through the apps above (matches nothing when none registered)."""
    parts = [fn(department_ids) for fn in DEPARTMENT_REACH]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def extra_row_badges(cases, user) -> dict[int, list[dict]]:
    """{case id: badges} for a page of cases from every registered app (empty when none registered)."""
    found: dict[int, list[dict]] = {}
    for fn in ROW_BADGES:
        for pk, badges in fn(cases, user).items():
            found.setdefault(pk, []).extend(badges)
    return found

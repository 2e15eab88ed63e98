from django.db.models import Q

from cases.models import Case
from grids.models import CODE_LENGTH
from grids.scope import prefix_q, reach, scope_for, scoped

from .models import CaseAssist, Department, Notification, RoutingRule, Whistle, WhistleCall


@scope_for(Department)
def department_scope(user, qs):
    """Departments serving any part of the user's areas, and the user's own departments."""
    user_reach = reach(user)
    codes = user_reach.codes()
    # A department is visible when it covers an area on the path to (or under) one of the user's areas.
    above = {code[:n] for code in codes for n in (6, 9, 12, 15, 18) if n <= len(code)}
    covering = Q(covered_areas__code__in=above) | prefix_q("covered_areas__code", codes)
    return qs.filter(Q(pk__in=qs.filter(covering).values("pk")) | Q(pk__in=user_reach.department_ids))


@scope_for(RoutingRule)
def routing_rule_scope(user, qs):
    """Rules for areas in the user's subtrees, and the rules from above that apply to them."""
    codes = reach(user).codes()
    above = {code[:n] for code in codes for n in CODE_LENGTH.values() if n <= len(code)}
    inside = prefix_q("area__code", codes) | (Q(area__isnull=True) & prefix_q("owner_area__code", codes))
    applying = Q(area__code__in=above) | (Q(area__isnull=True) & Q(owner_area__code__in=above))
    return qs.filter(inside | applying)


def _visible_cases(user):
    return scoped(user, Case.objects.all()).values("pk")


@scope_for(Whistle)
def whistle_scope(user, qs):
    """Whistles on cases the user sees, and those summoning the user's departments."""
    departments = reach(user).department_ids
    mine = Q(calls__department_id__in=departments) if departments else Q(pk__in=[])
    return qs.filter(Q(case__in=_visible_cases(user)) | Q(pk__in=qs.filter(mine).values("pk")))


@scope_for(WhistleCall)
def whistle_call_scope(user, qs):
    return qs.filter(whistle__in=whistle_scope(user, Whistle.objects.all()).values("pk"))


@scope_for(CaseAssist)
def case_assist_scope(user, qs):
    """Assists on cases the user sees, and those asked of the user's departments."""
    return qs.filter(Q(case__in=_visible_cases(user)) | Q(department_id__in=reach(user).department_ids))


@scope_for(Notification)
def notification_scope(user, qs):
    """An inbox is its owner's alone — superusers included, who are not exempt here in practice."""
    return qs.filter(recipient=user)


def inbox(user):
    return scoped(user, Notification.objects.all()).filter(recipient=user)


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()

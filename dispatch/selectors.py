from django.db.models import Q

from cases import extensions
from cases.models import Case
from grids.models import CODE_LENGTH
from grids.scope import prefix_q, reach, scope_for, scoped

from .models import CaseAssist, Notification, RoutingRule, Whistle, WhistleCall


@scope_for(RoutingRule)
def routing_rule_scope(user, qs):
    """Rules for areas in the user's subtrees, and the rules from above that apply to them."""
    codes = reach(user).codes()
    above = {code[:n] for code in codes for n in CODE_LENGTH.values() if n <= len(code)}
    inside = prefix_q("area__code", codes) | (Q(area__isnull=True) & prefix_q("owner_area__code", codes))
    applying = Q(area__code__in=above) | (Q(area__isnull=True) & Q(owner_area__code__in=above))
    return qs.filter(inside | applying)


@extensions.department_reach
def assisted_or_whistled(department_ids):
    """A department also sees the cases it assists on and those it was whistled to (吹哨报到)."""
    return Q(pk__in=CaseAssist.objects.filter(department_id__in=department_ids).values("case_id")) | Q(
        pk__in=WhistleCall.objects.filter(department_id__in=department_ids).values("whistle__case_id")
    )


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


UNREAD_SHOWN = 99  # the nav shows "99+" past this


def unread_count_capped(user) -> int:
    """Unread notices, counted no further than ``UNREAD_SHOWN + 1``: the nav's number costs the same at any
    inbox size (a LIMIT under the count, on the partial index of unread rows)."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    return unread.values("pk")[: UNREAD_SHOWN + 1].count()


def inbox_page(user, *, unread_only=False, before=None, size=30):
    """One page of the user's inbox, newest first, with each notice's case (number and title) in the same
    query; ``before`` is the last notice of the previous page (keyset: page N costs what page 1 costs)."""
    qs = (
        inbox(user)
        .select_related("case")
        .only(
            "id",
            "kind",
            "key",  # what a notice without a case is about (dispatch.targets)
            "priority",
            "title",
            "body",
            "created_at",
            "read_at",
            "case__id",
            "case__number",
            "case__title",
            "case__status",  # django-fsm reads a case's state when it loads one: deferred, it costs a query
        )
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before is not None:
        qs = qs.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, id__lt=before.pk)
        )
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    return rows[:size], len(rows) > size

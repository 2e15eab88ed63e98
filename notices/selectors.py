"""Reads of the notices app and its access scope.

A notice is addressed to the roles of its audience in every area of its area's subtree. Scope: the sender
and staff over the addressed area see it (with its receipts); a recipient sees notices addressed to them;
anyone else sees nothing.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from grids.models import CODE_LENGTH, Area, Membership, User
from grids.scope import prefix_q, reach, scope_for

from .models import AUDIENCE_ROLES, SENDER_ROLES, Audience, Notice, NoticeReceipt


def _self_and_ancestors(codes) -> set[str]:
    return {code[:n] for code in codes for n in CODE_LENGTH.values() if n <= len(code)}


def current_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(withdrawn=False, published_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def addressed_q(user) -> Q:
    """Notices whose audience holds one of the user's roles in (an ancestor of) one of the user's areas."""
    r = reach(user)
    q = Q(pk__in=[])
    for audience, roles in AUDIENCE_ROLES.items():
        codes = r.codes(roles) if roles else []
        if codes:
            q |= Q(audience=audience, area_code__in=_self_and_ancestors(codes))
    return q


@scope_for(Notice)
def notice_scope(user, qs):
    r = reach(user)
    return qs.filter(Q(sender=user) | prefix_q("area_code", r.codes(SENDER_ROLES)) | addressed_q(user))


@scope_for(NoticeReceipt)
def receipt_scope(user, qs):
    return qs.filter(Q(user=user) | Q(notice__in=notice_scope(user, Notice.objects.all())))


def notices_for(user) -> QuerySet:
    """Current notices addressed to the user, newest first, each with ``read_at`` (None while unread)."""
    mine = NoticeReceipt.objects.filter(notice=OuterRef("pk"), user=user).values("read_at")[:1]
    return (
        Notice.objects.filter(addressed_q(user) & current_q())
        .select_related("sending_unit", "area")
        .annotate(read_at=Subquery(mine))
    )


def unread_for(user) -> QuerySet:
    return notices_for(user).filter(read_at__isnull=True)


def public_notices(area: Area) -> QuerySet:
    """Current public notices of the area: addressed to it or to an area above it."""
    return Notice.objects.filter(
        current_q(), audience=Audience.PUBLIC, area_code__in=_self_and_ancestors([area.code])
    ).select_related("sending_unit", "area")


def area_notices(area_code: str, audiences) -> QuerySet:
    """Current notices to these audiences addressed to the area or to an area above it (a volunteer's
    micro-grid reads what its grid, community and street send)."""
    return Notice.objects.filter(
        current_q(), audience__in=list(audiences), area_code__in=_self_and_ancestors([area_code])
    ).select_related("sending_unit", "area")


def addressed_people(notice: Notice) -> QuerySet:
    """Users holding a role of the notice's audience in its area's subtree, each with ``read_at``."""
    roles = AUDIENCE_ROLES.get(notice.audience, ())
    holds = Membership.objects.filter(
        prefix_q("area__code", [notice.area_code]),
        user=OuterRef("pk"),
        role__in=roles,
        is_active=True,
        area__is_active=True,
    )
    read = NoticeReceipt.objects.filter(notice=notice, user=OuterRef("pk")).values("read_at")[:1]
    return (
        User.objects.filter(Exists(holds), is_active=True)
        .annotate(read_at=Subquery(read))
        .order_by("read_at", "username")
    )


def receipt_summary(notice: Notice) -> dict:
    """Who of the addressed people has read the notice: counts and the two lists (one query)."""
    people = list(addressed_people(notice).only("id", "username", "display_name"))
    read = [p for p in people if p.read_at is not None]
    unread = [p for p in people if p.read_at is None]
    return {
        "total": len(people),
        "read": len(read),
        "unread": len(unread),
        "readers": read,
        "not_read": unread,
    }

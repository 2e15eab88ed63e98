"""Reads of the mediation app and its access scopes.

Scope (docs/domain.md §8): the area roles see the disputes, screenings and events of their subtrees (a grid
its own, a community its grids, the street and the centre theirs); mediators are seen where they serve and
below (a street's mediator by its grids). Department handlers and strangers see nothing.
"""

import datetime

from django.db.models import Count, Q

from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scope_for

from .models import Dispute, DisputeEvent, FollowUp, Mediator, Party, Screening, Session, Signature

AREA_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)


def _codes(user):
    return reach(user).codes(AREA_ROLES)


def _area_q(user, field="area_code") -> Q:
    return prefix_q(field, _codes(user))


@scope_for(Dispute)
def dispute_scope(user, qs):
    return qs.filter(_area_q(user))


@scope_for(Party)
def party_scope(user, qs):
    return qs.filter(_area_q(user, "dispute__area_code"))


@scope_for(Session)
def session_scope(user, qs):
    return qs.filter(_area_q(user, "dispute__area_code"))


@scope_for(Signature)
def signature_scope(user, qs):
    return qs.filter(_area_q(user, "dispute__area_code"))


@scope_for(FollowUp)
def follow_up_scope(user, qs):
    return qs.filter(_area_q(user, "dispute__area_code"))


@scope_for(Screening)
def screening_scope(user, qs):
    return qs.filter(_area_q(user))


@scope_for(DisputeEvent)
def event_scope(user, qs):
    return qs.filter(_area_q(user))


@scope_for(Mediator)
def mediator_scope(user, qs):
    """Mediators registered in the user's subtrees, and those serving an area above them."""
    codes = _codes(user)
    above = {code[:n] for code in codes for n in CODE_LENGTH.values() if n < len(code)}
    return qs.filter(prefix_q("area_code", codes) | Q(area_code__in=sorted(above)))


def disputes_for(user, *, status: str = "", area_code: str = ""):
    qs = dispute_scope(user, Dispute.objects.all()) if not user.is_superuser else Dispute.objects.all()
    if status:
        qs = qs.filter(status=status)
    if area_code:
        qs = qs.filter(prefix_q("area_code", [area_code]))
    return qs.select_related("area", "mediator").order_by("-opened_at", "-id")


def status_counts(user) -> dict:
    qs = dispute_scope(user, Dispute.objects.all()) if not user.is_superuser else Dispute.objects.all()
    return dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def dispute_timeline(dispute):
    return DisputeEvent.objects.filter(dispute=dispute).select_related("actor").order_by("seq")


def team_grids(user):
    """The grids the user may file screenings and record disputes for (their own, or their community's)."""
    r = reach(user)
    qs = Area.objects.filter(level=Level.GRID, is_active=True)
    if user.is_superuser:
        return qs.order_by("code")
    codes = r.codes(
        (Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
    )
    return qs.filter(prefix_q("code", codes)).order_by("code") if codes else qs.none()


def screening_status(user, month: datetime.date):
    """The user's grids with their screening for ``month`` (or None): the phone's filing list."""
    grids = list(team_grids(user)[:200])
    filed = {
        s.area_id: s for s in Screening.objects.filter(area__in=grids, month=month).select_related("filed_by")
    }
    return [(grid, filed.get(grid.pk)) for grid in grids]

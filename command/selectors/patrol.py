"""Who may see whose position: the worker themself, and the supervisors of the worker's grid team.

Supervisors (grid leader, community, street, district centre) see the workers whose active grid-worker
membership lies in their subtree — the team they answer for, wherever the worker walked. Read-only
leaders, department handlers and everyone else see nobody's position. Scoping by membership rather than
by where a point fell keeps a neighbouring community from following a worker who crossed its border.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from grids.models import Membership, Role
from grids.scope import prefix_q, reach, scope_for, scoped

from ..models import PatrolLast, PatrolPosition

SUPERVISOR_ROLES = [Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE]
ACTIVE_MINUTES = 15  # a last position younger than this is "on patrol now"


def retention_days() -> int:
    return int(getattr(settings, "GRIDGOV", {}).get("TRACK_RETENTION_DAYS", 30))


def patrol_team_q(user, field="user_id") -> Q:
    """Rows of the user's own positions and of the workers the user supervises."""
    codes = reach(user).codes(SUPERVISOR_ROLES)
    own = Q(**{field: user.pk})
    if not codes:
        return own
    team = (
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True, area__is_active=True)
        .filter(prefix_q("area__code", codes))
        .values("user_id")
    )
    return own | Q(**{f"{field}__in": team})


@scope_for(PatrolPosition)
def patrol_position_scope(user, qs):
    return qs.filter(patrol_team_q(user))


@scope_for(PatrolLast)
def patrol_last_scope(user, qs):
    return qs.filter(patrol_team_q(user))


def may_see_track(viewer, subject_id) -> bool:
    """True for the subject themself and the subject's supervisors (superusers included)."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == subject_id or reach(viewer).is_superuser:
        return True
    codes = reach(viewer).codes(SUPERVISOR_ROLES)
    if not codes:
        return False
    return (
        Membership.objects.filter(
            user_id=subject_id,
            role=Role.GRID_WORKER,
            is_active=True,
            area__is_active=True,
        )
        .filter(prefix_q("area__code", codes))
        .exists()
    )


def active_last_positions(user, *, now=None, minutes=ACTIVE_MINUTES):
    """Last positions of the workers the user supervises, sent within the last ``minutes``."""
    now = now or timezone.now()
    if not reach(user).codes(SUPERVISOR_ROLES) and not reach(user).is_superuser:
        return PatrolLast.objects.none()
    qs = PatrolLast.objects.filter(recorded_at__gte=now - timedelta(minutes=minutes)).exclude(user_id=user.pk)
    return scoped(user, qs).select_related("user").order_by("user_id")


def track_of(subject_id, start, end, *, limit=5000):
    """The subject's points in [start, end), oldest first (caller has checked ``may_see_track``)."""
    return (
        PatrolPosition.objects.filter(user_id=subject_id, recorded_at__gte=start, recorded_at__lt=end)
        .order_by("recorded_at", "id")
        .values("lat", "lon", "accuracy_m", "recorded_at", "area_code")[:limit]
    )

"""Reads of the community app and its access scopes (docs/domain.md §10).

Scope, failing closed: team members, party branches and volunteers belong to a grid (or micro-grid) and are
seen by whoever holds an area role over it; activities, point rules and rewards belong to a community and are
seen by the community's staff and those above, and by the grid workers of its grids; ledger entries,
participations and redemptions follow their volunteer. Councils (and their meetings) are seen like
activities: by those over the council's area and by the workers of the grids of its community.
Department handlers see none of it.
"""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from grids.models import CODE_LENGTH, Level, Role
from grids.scope import prefix_q, reach, scope_for
from notices import extensions as notice_extensions
from notices.models import VOLUNTEER_AUDIENCES, Audience
from notices.selectors import area_notices

from .models import (
    Activity,
    Council,
    Meeting,
    MonthlyPoints,
    Participation,
    PartyBranch,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    TeamMember,
    Volunteer,
    VolunteerNoticeReceipt,
)

AREA_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
)
# Who runs the community's desk: sets rules and rewards, creates activities, awards, adjusts and redeems.
DESK_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
# Who registers volunteers and team members of a grid, and checks volunteers in on site.
GRID_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, *DESK_ROLES)
COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]


def _area_q(user, field: str) -> Q:
    return prefix_q(field, reach(user).codes(AREA_ROLES))


def _community_q(user, field: str) -> Q:
    """Rows of a community under the user's areas, or of the community a user's grid belongs to."""
    codes = reach(user).codes(AREA_ROLES)
    above = {code[:COMMUNITY_LEN] for code in codes if len(code) > COMMUNITY_LEN}
    return prefix_q(field, codes) | Q(**{f"{field}__in": sorted(above)})


@scope_for(TeamMember)
def team_member_scope(user, qs):
    return qs.filter(_area_q(user, "area__code"))


@scope_for(PartyBranch)
def party_branch_scope(user, qs):
    return qs.filter(_area_q(user, "area__code"))


@scope_for(Volunteer)
def volunteer_scope(user, qs):
    return qs.filter(_area_q(user, "area_code"))


@scope_for(PointEntry)
def entry_scope(user, qs):
    return qs.filter(_area_q(user, "volunteer__area_code"))


@scope_for(Participation)
def participation_scope(user, qs):
    return qs.filter(_area_q(user, "volunteer__area_code"))


@scope_for(Redemption)
def redemption_scope(user, qs):
    return qs.filter(_area_q(user, "volunteer__area_code"))


@scope_for(Activity)
def activity_scope(user, qs):
    return qs.filter(_community_q(user, "community__code"))


@scope_for(PointRule)
def rule_scope(user, qs):
    return qs.filter(_community_q(user, "community__code"))


@scope_for(Reward)
def reward_scope(user, qs):
    return qs.filter(_community_q(user, "community__code"))


@scope_for(Council)
def council_scope(user, qs):
    """A council of a community is seen by its grids' workers too; one of a micro-grid by those above it."""
    return qs.filter(_community_q(user, "area_code"))


@scope_for(Meeting)
def meeting_scope(user, qs):
    return qs.filter(_community_q(user, "council__area_code"))


@scope_for(VolunteerNoticeReceipt)
def volunteer_receipt_scope(user, qs):
    return qs.filter(_area_q(user, "volunteer__area_code"))


def volunteer_audiences(volunteer) -> tuple[str, ...]:
    """Every volunteer reads notices to volunteers; a micro-grid liaison those to liaisons too."""
    return (Audience.VOLUNTEERS, Audience.LIAISONS) if volunteer.is_liaison else (Audience.VOLUNTEERS,)


def volunteer_notices(volunteer) -> QuerySet:
    """Current notices to the volunteer's (micro-)grid or an area above it, each with ``read_at``."""
    mine = VolunteerNoticeReceipt.objects.filter(notice=OuterRef("pk"), volunteer=volunteer).values("read_at")
    return area_notices(volunteer.area_code, volunteer_audiences(volunteer)).annotate(
        read_at=Subquery(mine[:1])
    )


def addressed_volunteers(notice) -> QuerySet:
    """The active volunteers (or only the liaisons) in the notice's area, each with ``read_at``."""
    qs = Volunteer.objects.filter(area_code__startswith=notice.area_code, is_active=True)
    if notice.audience == Audience.LIAISONS:
        qs = qs.filter(is_liaison=True)
    read = VolunteerNoticeReceipt.objects.filter(notice=notice, volunteer=OuterRef("pk")).values("read_at")
    return qs.select_related("person").annotate(read_at=Subquery(read[:1])).order_by("read_at", "id")


@notice_extensions.receipt_summary
def volunteer_receipt_summary(notice) -> dict | None:
    """Who of the volunteers addressed has read the notice, for its page (one query)."""
    if notice.audience not in VOLUNTEER_AUDIENCES:
        return None
    people = list(addressed_volunteers(notice)[:2000])
    read = [p for p in people if p.read_at is not None]
    return {
        "total": len(people),
        "read": len(read),
        "unread": len(people) - len(read),
        "readers": read,
        "not_read": [p for p in people if p.read_at is None],
    }


def can_run_desk(user, community) -> bool:
    return bool(user.is_superuser or reach(user).covers(community.code, DESK_ROLES))


def can_work_grid(user, area) -> bool:
    return bool(user.is_superuser or reach(user).covers(area.code, GRID_ROLES))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def ranking(*, area_code: str, month: datetime.date, limit: int = 50) -> list[dict]:
    """The volunteers under ``area_code`` who earned most in ``month``: one index range scan of the monthly
    tallies (``MonthlyPoints``), however long the ledger."""
    rows = (
        MonthlyPoints.objects.filter(month=month_start(month), area_code__startswith=area_code, earned__gt=0)
        .order_by("-earned", "volunteer_id")
        .values("volunteer_id", "earned", "volunteer__person__name", "volunteer__community__name")[:limit]
    )
    return [
        {
            "rank": i,
            "volunteer": row["volunteer_id"],
            "name": row["volunteer__person__name"],
            "community": row["volunteer__community__name"],
            "earned": row["earned"],
        }
        for i, row in enumerate(rows, 1)
    ]


def earned_in_month_from_ledger(*, area_code: str, month: datetime.date) -> int:
    """The same month's earnings summed from the ledger itself (for checks and the bench's comparison)."""
    start = month_start(month)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return (
        PointEntry.objects.filter(
            volunteer__area_code__startswith=area_code,
            kind__in=["earn", "adjust"],
            at__date__gte=start,
            at__date__lt=end,
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )


def history(volunteer, limit: int = 100):
    return PointEntry.objects.filter(volunteer=volunteer).order_by("-seq")[:limit]


def public_team(area):
    """The grid's team for its public contact card: names, roles, work phones; nothing personal."""
    return TeamMember.objects.filter(area=area, is_active=True, on_public_card=True).order_by("role", "id")


def month_earned(volunteer, day: datetime.date) -> int:
    row = MonthlyPoints.objects.filter(volunteer=volunteer, month=month_start(day)).first()
    return row.earned if row else 0

"""Every write of the community app: one function per use case, atomic, row-locked, permission-checked.

Points move only through ``ledger_append``: it locks the volunteers, refuses a balance below zero, appends the
entries to the chained ledger, and keeps ``Volunteer.balance`` and the monthly tallies (``MonthlyPoints``)
in the same transaction, so a balance and a month's ranking are one row read each.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Category, Source
from cases.services import case_report
from grids.models import CODE_LENGTH, Area, Level
from grids.scope import scoped
from notices.models import Audience
from notices.services import notice_publish
from tasks import admission
from tasks.models import AdmissionItem, Task
from tasks.services import task_create

from . import selectors
from .models import (
    Activity,
    ActivityType,
    AgendaItem,
    Council,
    CouncilEvent,
    CouncilEventKind,
    CouncilMember,
    CouncilRole,
    Decision,
    EntryKind,
    FollowUp,
    Meeting,
    MonthlyPoints,
    Participation,
    PartyBranch,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    TeamMember,
    TeamRole,
    Volunteer,
    VolunteerNoticeReceipt,
    Vote,
    VoteChoice,
)

CHECK_IN_EARLY = datetime.timedelta(hours=1)
TOKEN_SALT = "gridgov.community.volunteer-link"
GRID_LEVELS = (Level.GRID, Level.MICROGRID)


# -- the ledger writer ------------------------------------------------------------------------------------


def _month(at) -> datetime.date:
    return timezone.localtime(at).date().replace(day=1)


def ledger_append(entries: list[PointEntry]) -> list[PointEntry]:
    """Append ``entries`` (unsaved, in order) to the ledger; refuse all if a balance would go below 0."""
    if not entries:
        return []
    with transaction.atomic():
        ids = sorted({e.volunteer_id for e in entries})
        volunteers = {
            v.pk: v for v in Volunteer.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        tallies: dict[tuple, int] = defaultdict(int)
        for entry in entries:
            volunteer = volunteers[entry.volunteer_id]
            volunteer.balance += entry.points
            if volunteer.balance < 0:
                raise ValidationError(
                    {
                        "points": _("The balance is %(balance)s points; this would take it below zero.")
                        % {"balance": volunteer.balance - entry.points}
                    }
                )
            entry.balance_after = volunteer.balance
            if entry.kind != EntryKind.REDEEM:
                tallies[(entry.volunteer_id, _month(entry.at))] += entry.points
        PointEntry.objects.bulk_create(entries, batch_size=2000)
        with connection.cursor() as cursor:
            # One statement per row, sent together (psycopg pipelines executemany): a CASE-based bulk
            # update grows with the square of the rows it touches.
            cursor.executemany(
                f"UPDATE {Volunteer._meta.db_table} SET balance = %s WHERE id = %s",
                [(v.balance, v.pk) for v in volunteers.values()],
            )
            table = MonthlyPoints._meta.db_table
            cursor.executemany(
                f"INSERT INTO {table} (volunteer_id, month, area_code, earned) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (volunteer_id, month) DO UPDATE SET earned = {table}.earned + excluded.earned",
                [
                    (
                        volunteer_id,
                        connection.ops.adapt_datefield_value(month),
                        volunteers[volunteer_id].area_code,
                        points,
                    )
                    for (volunteer_id, month), points in sorted(tallies.items())
                ],
            )
    return entries


# -- the "1+X" team ---------------------------------------------------------------------------------------


def _require_grid(actor, area):
    if area is None or area.level not in GRID_LEVELS or not area.is_active:
        raise ValidationError({"area": _("Choose an active grid or micro-grid.")})
    if not selectors.can_work_grid(actor, area):
        raise PermissionDenied(_("You do not work in this grid."))


def party_branch_create(*, actor, area, name: str, kind: str = PartyBranch.Kind.BRANCH, secretary=""):
    _require_grid(actor, area)
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the branch a name.")})
    return PartyBranch.objects.create(area=area, name=name.strip(), kind=kind, secretary=secretary.strip())


def team_member_add(
    *,
    actor,
    area,
    role: str,
    name: str,
    person=None,
    work_phone: str = "",
    duty: str = "",
    building: str = "",
    work_unit: str = "",
    dual_registered: bool = False,
    branch=None,
    on_public_card: bool = True,
) -> TeamMember:
    """Seat someone on the grid's "1+X" team. The phone given here is a work phone: it is shown on the
    grid's public contact card (a personal number stays in the register, masked)."""
    _require_grid(actor, area)
    errors = {}
    if role not in TeamRole.values:
        errors["role"] = _("Choose a role of the team.")
    if not (name or "").strip():
        errors["name"] = _("Give the member's name.")
    if person is not None and not person.area.code.startswith(area.code[: CODE_LENGTH[Level.COMMUNITY]]):
        errors["person"] = _("This person is not registered in the grid's community.")
    if branch is not None and not area.code.startswith(branch.area.code):
        errors["branch"] = _("The party branch belongs to another grid.")
    if dual_registered and role != TeamRole.PARTY_MEMBER:
        errors["dual_registered"] = _("Only party members register with the community (双报到).")
    if dual_registered and not work_unit.strip():
        errors["work_unit"] = _("Give the work unit of an in-service party member.")
    if work_phone and not all(c.isdigit() or c in "-+ " for c in work_phone):
        errors["work_phone"] = _("A phone number has digits only.")
    if errors:
        raise ValidationError(errors)
    return TeamMember.objects.create(
        area=area,
        role=role,
        name=name.strip(),
        person=person,
        work_phone=work_phone.strip(),
        duty=duty.strip(),
        building=building.strip(),
        work_unit=work_unit.strip(),
        dual_registered=dual_registered,
        branch=branch,
        on_public_card=on_public_card,
    )


def team_member_retire(*, actor, member: TeamMember) -> TeamMember:
    with transaction.atomic():
        member = TeamMember.objects.select_for_update().get(pk=member.pk)
        _require_grid(actor, member.area)
        member.is_active = False
        member.save(update_fields=["is_active"])
    return member


# -- volunteers -------------------------------------------------------------------------------------------


def _community_of(area) -> Area | None:
    code = area.code[: CODE_LENGTH[Level.COMMUNITY]]
    return Area.objects.filter(code=code, level=Level.COMMUNITY).first()


def volunteer_register(
    *, actor, person, area=None, is_liaison=False, skills="", availability="", at=None
) -> Volunteer:
    """Register a resident as a volunteer (a liaison: of their micro-grid) with the community."""
    area = area or person.area
    _require_grid(actor, area)
    errors = {}
    if not person.is_resident:
        errors["person"] = _("Only a current resident can register.")
    community = _community_of(area)
    if community is None or not person.area.code.startswith(community.code):
        errors["person"] = _("This person is not registered in the grid's community.")
    if errors or community is None:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                community=community,
                area=area,
                area_code=area.code,
                person=person,
                is_liaison=is_liaison,
                skills=skills.strip(),
                availability=availability.strip(),
                registered_at=at or timezone.now(),
            )
    except IntegrityError:
        raise ValidationError({"person": _("This person is already a volunteer of the community.")}) from None


def volunteer_token(volunteer) -> str:
    """The volunteer's own link (their phone page): the id signed with the site's key."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(volunteer.pk))


def volunteer_for_token(token: str) -> Volunteer | None:
    try:
        pk = signing.Signer(salt=TOKEN_SALT).unsign(token or "")
    except signing.BadSignature:
        return None
    return Volunteer.objects.select_related("person", "community").filter(pk=int(pk), is_active=True).first()


# -- rules, rewards, activities ---------------------------------------------------------------------------


def _require_desk(actor, community):
    if community is None or community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("Choose a community.")})
    if not selectors.can_run_desk(actor, community):
        raise PermissionDenied(_("Only the community's staff do this."))


def point_rule_set(
    *, actor, community, activity_type: str, points_per_attendance: int = 0, points_per_hour: int = 0
) -> PointRule:
    _require_desk(actor, community)
    if activity_type not in ActivityType.values:
        raise ValidationError({"activity_type": _("Choose an activity type.")})
    if points_per_attendance < 0 or points_per_hour < 0:
        raise ValidationError({"points_per_hour": _("Points cannot be negative.")})
    if points_per_attendance + points_per_hour == 0:
        raise ValidationError({"points_per_hour": _("A rule earns some points.")})
    rule, _created = PointRule.objects.update_or_create(
        community=community,
        activity_type=activity_type,
        defaults={"points_per_attendance": points_per_attendance, "points_per_hour": points_per_hour},
    )
    return rule


def reward_add(*, actor, community, name: str, points_cost: int, stock: int) -> Reward:
    _require_desk(actor, community)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the reward a name.")
    if points_cost is None or points_cost <= 0:
        errors["points_cost"] = _("A reward costs at least one point.")
    if stock is None or stock < 0:
        errors["stock"] = _("Stock cannot be negative.")
    if errors:
        raise ValidationError(errors)
    return Reward.objects.create(community=community, name=name.strip(), points_cost=points_cost, stock=stock)


def reward_restock(*, actor, reward: Reward, add: int) -> Reward:
    with transaction.atomic():
        reward = Reward.objects.select_for_update().select_related("community").get(pk=reward.pk)
        _require_desk(actor, reward.community)
        if add <= 0:
            raise ValidationError({"add": _("Add at least one.")})
        reward.stock += add
        reward.save(update_fields=["stock"])
    return reward


def activity_create(
    *, actor, community, activity_type, title, place, starts_at, ends_at, capacity=20
) -> Activity:
    _require_desk(actor, community)
    errors = {}
    if not PointRule.objects.filter(community=community, activity_type=activity_type).exists():
        errors["activity_type"] = _("The community has no points rule for this type yet.")
    if not (title or "").strip():
        errors["title"] = _("Give the activity a title.")
    if not (place or "").strip():
        errors["place"] = _("Say where the volunteers meet.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The activity ends after it starts.")
    if not capacity or capacity < 1:
        errors["capacity"] = _("At least one place.")
    if errors:
        raise ValidationError(errors)
    return Activity.objects.create(
        community=community,
        activity_type=activity_type,
        title=title.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=actor,
    )


def activity_sign_up(*, volunteer, activity, actor=None, at=None) -> Participation:
    """Sign a volunteer up (on their own phone page, or by staff of their grid)."""
    at = at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if actor is not None and not selectors.can_work_grid(actor, volunteer.area):
            raise PermissionDenied(_("You do not work in this volunteer's grid."))
        if volunteer.community_id != activity.community_id:
            raise ValidationError({"activity": _("The activity belongs to another community.")})
        if not volunteer.is_active:
            raise ValidationError({"volunteer": _("This volunteer is no longer active.")})
        if activity.status != Activity.Status.OPEN or at >= activity.ends_at:
            raise ValidationError({"activity": _("The activity is no longer open for sign-up.")})
        existing = Participation.objects.filter(activity=activity, volunteer=volunteer).first()
        if existing:
            return existing
        if activity.participations.count() >= activity.capacity:
            raise ValidationError({"activity": _("The activity is full.")})
        return Participation.objects.create(activity=activity, volunteer=volunteer, signed_up_at=at)


def participation_check_in(*, participation, actor=None, at=None) -> Participation:
    """Check in on site, from an hour before the start until the end (by the volunteer or staff there)."""
    at = at or timezone.now()
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update()
            .select_related("activity", "volunteer__area")
            .get(pk=participation.pk)
        )
        activity = participation.activity
        if actor is not None and not (
            selectors.can_work_grid(actor, participation.volunteer.area)
            or selectors.can_run_desk(actor, activity.community)
        ):
            raise PermissionDenied(_("You do not work in this volunteer's grid."))
        if activity.status != Activity.Status.OPEN:
            raise ValidationError({"activity": _("The activity is closed.")})
        if not (activity.starts_at - CHECK_IN_EARLY <= at <= activity.ends_at):
            raise ValidationError(
                {"checked_in_at": _("Check-in opens an hour before the start and closes at the end.")}
            )
        if participation.checked_in_at is None:
            participation.checked_in_at = at
            participation.save(update_fields=["checked_in_at"])
    return participation


def hours_served(participation, activity) -> Decimal:
    start = max(participation.checked_in_at, activity.starts_at)
    seconds = max((activity.ends_at - start).total_seconds(), 0)
    halves = int(seconds // 1800)
    return (Decimal(halves) / 2).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def activity_complete(*, actor, activity, at=None) -> Activity:
    """Close the activity and award the points its rule gives to each volunteer who checked in:
    points = per attendance + per hour × hours (hours from check-in, or the start, to the end, by half
    hours). One earn entry per participation (a second completion is refused)."""
    at = at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("community").get(pk=activity.pk)
        _require_desk(actor, activity.community)
        if activity.status != Activity.Status.OPEN:
            raise ValidationError({"activity": _("The activity is already closed.")})
        if at < activity.ends_at:
            raise ValidationError({"activity": _("The activity has not ended yet.")})
        rule = PointRule.objects.filter(
            community=activity.community, activity_type=activity.activity_type
        ).first()
        if rule is None:
            raise ValidationError({"activity": _("The community has no points rule for this type yet.")})
        entries, attended = [], []
        for p in activity.participations.filter(checked_in_at__isnull=False).order_by("id"):
            p.hours = hours_served(p, activity)
            p.points = rule.points_per_attendance + int(rule.points_per_hour * p.hours)
            attended.append(p)
            if p.points:
                entries.append(
                    PointEntry(
                        volunteer_id=p.volunteer_id,
                        kind=EntryKind.EARN,
                        points=p.points,
                        at=at,
                        actor=actor,
                        reason=activity.title[:200],
                        participation=p,
                    )
                )
        Participation.objects.bulk_update(attended, ["hours", "points"])
        ledger_append(entries)
        activity.status = Activity.Status.COMPLETED
        activity.save(update_fields=["status"])
    return activity


def activity_cancel(*, actor, activity) -> Activity:
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("community").get(pk=activity.pk)
        _require_desk(actor, activity.community)
        if activity.status != Activity.Status.OPEN:
            raise ValidationError({"activity": _("The activity is already closed.")})
        activity.status = Activity.Status.CANCELLED
        activity.save(update_fields=["status"])
    return activity


# -- points at the desk -----------------------------------------------------------------------------------


def points_adjust(*, actor, volunteer, points: int, reason: str, at=None) -> PointEntry:
    """A correction by the community's desk, with its reason (the ledger keeps both)."""
    _require_desk(actor, volunteer.community)
    errors = {}
    if not points:
        errors["points"] = _("Adjust by a number of points other than zero.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the points are adjusted.")
    if errors:
        raise ValidationError(errors)
    entry = PointEntry(
        volunteer_id=volunteer.pk,
        kind=EntryKind.ADJUST,
        points=points,
        at=at or timezone.now(),
        actor=actor,
        reason=reason.strip()[:200],
    )
    return ledger_append([entry])[0]


def _fingerprint(volunteer, reward, quantity) -> str:
    body = json.dumps([volunteer.pk, reward.pk, quantity])
    return hashlib.sha256(body.encode()).hexdigest()


def reward_redeem(*, actor, volunteer, reward, quantity: int = 1, request_token: str, at=None) -> Redemption:
    """Exchange points for a reward at the community desk. Refused over the balance or over the stock; a
    retry with the same ``request_token`` (a double-submitted form, an API retry with the same
    Idempotency-Key) returns the first redemption and applies nothing twice."""
    request_token = (request_token or "").strip()[:128]
    if not request_token:
        raise ValidationError({"request_token": _("A redemption needs a request token.")})
    _require_desk(actor, volunteer.community)
    fingerprint = _fingerprint(volunteer, reward, quantity)
    previous = Redemption.objects.filter(request_token=request_token).first()
    if previous is not None:
        return _replay(previous, fingerprint)
    try:
        with transaction.atomic():
            reward = Reward.objects.select_for_update().get(pk=reward.pk)
            errors = {}
            if reward.community_id != volunteer.community_id or not reward.is_active:
                errors["reward"] = _("The reward is not in this community's catalogue.")
            if not quantity or quantity < 1:
                errors["quantity"] = _("Redeem at least one.")
            elif reward.stock < quantity:
                errors["quantity"] = _("Only %(stock)s left in stock.") % {"stock": reward.stock}
            if errors:
                raise ValidationError(errors)
            cost = reward.points_cost * quantity
            current = Volunteer.objects.select_for_update().get(pk=volunteer.pk).balance
            if cost > current:
                raise ValidationError(
                    {
                        "quantity": _("This needs %(cost)s points; the balance is %(balance)s.")
                        % {"cost": cost, "balance": current}
                    }
                )
            redemption = Redemption.objects.create(
                volunteer=volunteer,
                reward=reward,
                quantity=quantity,
                points=cost,
                at=at or timezone.now(),
                actor=actor,
                request_token=request_token,
                fingerprint=fingerprint,
            )
            reward.stock -= quantity
            reward.save(update_fields=["stock"])
            ledger_append(
                [
                    PointEntry(
                        volunteer_id=volunteer.pk,
                        kind=EntryKind.REDEEM,
                        points=-cost,
                        at=redemption.at,
                        actor=actor,
                        reason=f"{reward.name} × {quantity}"[:200],
                        redemption=redemption,
                    )
                ]
            )
    except IntegrityError:
        previous = Redemption.objects.filter(request_token=request_token).first()
        if previous is None:
            raise
        return _replay(previous, fingerprint)
    return redemption


def _replay(previous: Redemption, fingerprint: str) -> Redemption:
    if previous.fingerprint != fingerprint:
        raise ValidationError({"request_token": _("This request token was used for a different redemption.")})
    return previous


# -- deliberation councils (议事会 / 四方议事) -------------------------------------------------------------

COUNCIL_LEVELS = (Level.COMMUNITY, Level.GRID, Level.MICROGRID)


def _council_event(council, kind, *, actor, meeting=None, payload=None) -> CouncilEvent:
    event = CouncilEvent(council=council, meeting=meeting, kind=kind, actor=actor, payload=payload or {})
    event.save()
    return event


def _related(a: str, b: str) -> bool:
    """Two areas on one line of the tree (one inside the other)."""
    return a.startswith(b) or b.startswith(a)


def council_create(*, actor, area, name: str, members: list[dict], quorum_percent: int = 50) -> Council:
    """Form a council of a community, grid or micro-grid with its members by role. A member is a team
    member, a register person, or a named outsider (``name`` with an ``organisation``)."""
    if area is None or area.level not in COUNCIL_LEVELS or not area.is_active:
        raise ValidationError({"area": _("Choose an active community, grid or micro-grid.")})
    if not selectors.can_run_desk(actor, area):
        raise PermissionDenied(_("Only the community's staff do this."))
    errors: dict[str, list] = defaultdict(list)
    if not (name or "").strip():
        errors["name"].append(_("Give the council a name."))
    if quorum_percent is None or not 0 <= quorum_percent < 100:
        errors["quorum_percent"].append(_("The quorum is a share from 0 to 99 per cent."))
    if len(members or []) < 3:
        errors["members"].append(_("A council has at least three members."))
    rows = []
    for i, m in enumerate(members or [], 1):
        team_member, person = m.get("team_member"), m.get("person")
        who = (
            (m.get("name") or "").strip()
            or (team_member.name if team_member else "")
            or (person.name if person else "")
        )
        if m.get("role") not in CouncilRole.values:
            errors["members"].append(_("Member %(n)s: choose a role.") % {"n": i})
        if not who:
            errors["members"].append(_("Member %(n)s: give a name.") % {"n": i})
        if team_member is not None and not _related(team_member.area.code, area.code):
            errors["members"].append(_("Member %(n)s: the team member works outside this area.") % {"n": i})
        if person is not None and not _related(person.area.code, area.code):
            errors["members"].append(_("Member %(n)s: the person lives outside this area.") % {"n": i})
        rows.append(
            CouncilMember(
                role=str(m.get("role") or ""),
                name=who[:64],
                team_member=team_member,
                person=person,
                organisation=(m.get("organisation") or "").strip()[:100],
            )
        )
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        council = Council.objects.create(
            area=area, area_code=area.code, name=name.strip(), quorum_percent=quorum_percent
        )
        for row in rows:
            row.council = council
        CouncilMember.objects.bulk_create(rows)
        _council_event(
            council,
            CouncilEventKind.CREATED,
            actor=actor,
            payload={"members": len(rows), "quorum": quorum_percent},
        )
    return council


def _pk(text: str) -> int:
    """A row id typed by hand (0, matching nothing, when it is not one)."""
    return int(text) if text.isdigit() and len(text) < 19 else 0


def is_quorate(council: Council, present: int, members: int) -> bool:
    """More than ``quorum_percent`` per cent of the active members present."""
    return members > 0 and present * 100 > council.quorum_percent * members


def meeting_hold(
    *, actor, council, held_at, place: str, present: list, agenda: list[dict], minutes: str = ""
) -> Meeting:
    """Record a meeting: when, where, the agenda (free text, a case linked by its number), the members
    present and the minutes. Whether it was quorate is fixed now, from the members it had that day."""
    if not selectors.can_run_desk(actor, council.area):
        raise PermissionDenied(_("Only the community's staff do this."))
    errors: dict[str, list] = defaultdict(list)
    if held_at is None or held_at > timezone.now():
        errors["held_at"].append(_("Record a meeting once it has been held."))
    if not (place or "").strip():
        errors["place"].append(_("Say where the council met."))
    members = {m.pk: m for m in council.members.filter(is_active=True)}
    present_ids = {getattr(p, "pk", p) for p in present or []}
    if not present_ids:
        errors["present"].append(_("Tick the members present."))
    if present_ids - set(members):
        errors["present"].append(_("Only the council's members can be present."))
    items = []
    for i, item in enumerate(agenda or [], 1):
        text = (item.get("text") or "").strip()
        number = str(item.get("case") or "").strip()
        case = task = None
        if number:
            case = scoped(actor, Case.objects.filter(number=number[:32])).first()
            if case is None:
                errors["agenda"].append(
                    _("Item %(n)s: no case %(number)s in your area.") % {"n": i, "number": number}
                )
        task_id = str(item.get("task") or "").strip()
        if task_id:
            task = scoped(actor, Task.objects.filter(pk=_pk(task_id))).first()
            if task is None:
                errors["agenda"].append(
                    _("Item %(n)s: no task %(task)s in your area.") % {"n": i, "task": task_id[:20]}
                )
        if not text:
            text = (case.title if case else "") or (task.title if task else "")
        if not text and not (number or task_id):  # a link that failed has said so already
            errors["agenda"].append(_("Item %(n)s: say what is discussed.") % {"n": i})
        items.append(AgendaItem(text=text[:300], case=case, task=task))
    if not items:
        errors["agenda"].append(_("A meeting has at least one agenda item."))
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            council=council,
            held_at=held_at,
            place=place.strip(),
            minutes=(minutes or "").strip(),
            members_count=len(members),
            quorate=is_quorate(council, len(present_ids), len(members)),
            recorded_by=actor,
        )
        meeting.present.set(sorted(present_ids))
        for agenda_item in items:
            agenda_item.meeting = meeting
        AgendaItem.objects.bulk_create(items)
        _council_event(
            council,
            CouncilEventKind.HELD,
            actor=actor,
            meeting=meeting,
            payload={"present": len(present_ids), "members": len(members), "quorate": meeting.quorate},
        )
    return meeting


def decision_record(
    *, actor, meeting, text: str, votes: dict, follow_ups: list[dict] | None = None
) -> Decision:
    """Record a decision with the votes of the members present (``{member id: for|against|abstain}``) and
    its follow-up actions. Refused without quorum, for a vote of a non-member or an absent member, and once
    the meeting's decisions are published. Passed when more than half of the members present vote for."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("council__area").get(pk=meeting.pk)
        if not selectors.can_run_desk(actor, meeting.council.area):
            raise PermissionDenied(_("Only the community's staff do this."))
        errors: dict[str, list] = defaultdict(list)
        if not meeting.quorate:
            errors["meeting"].append(_("The meeting was not quorate: it cannot decide."))
        if meeting.notice_id:
            errors["meeting"].append(_("The meeting's decisions are already published."))
        if not (text or "").strip():
            errors["text"].append(_("Say what was decided."))
        present = set(meeting.present.values_list("pk", flat=True))
        members = set(meeting.council.members.values_list("pk", flat=True))
        rows = []
        for key, choice in (votes or {}).items():
            member = int(key) if str(key).isdigit() else None
            if member not in members:
                errors["votes"].append(_("%(member)s is not a member of this council.") % {"member": key})
            elif member not in present:
                errors["votes"].append(
                    _("Member %(member)s was not present and cannot vote.") % {"member": key}
                )
            elif choice not in VoteChoice.values:
                errors["votes"].append(
                    _("Member %(member)s: vote for, against or abstain.") % {"member": key}
                )
            elif member is not None:
                rows.append(Vote(member_id=member, choice=choice))
        if not votes:
            errors["votes"].append(_("Record the votes of the members present."))
        actions = []
        for i, f in enumerate(follow_ups or [], 1):
            what, who, deadline = (
                (f.get("what") or "").strip(),
                (f.get("who") or "").strip(),
                f.get("deadline"),
            )
            if not what or not who or deadline is None:
                errors["follow_ups"].append(_("Action %(n)s: say what, who and by when.") % {"n": i})
            elif deadline < meeting.held_at.date():
                errors["follow_ups"].append(_("Action %(n)s: the deadline is before the meeting.") % {"n": i})
            else:
                actions.append(FollowUp(what=what[:300], who=who[:100], deadline=deadline))
        if errors:
            raise ValidationError(dict(errors))
        count = {c: sum(1 for v in rows if v.choice == c) for c in VoteChoice.values}
        decision = Decision.objects.create(
            meeting=meeting,
            text=text.strip(),
            votes_for=count[VoteChoice.FOR],
            votes_against=count[VoteChoice.AGAINST],
            votes_abstain=count[VoteChoice.ABSTAIN],
            passed=count[VoteChoice.FOR] * 2 > len(present),
        )
        for row in rows:
            row.decision = decision
        Vote.objects.bulk_create(rows)
        for action in actions:
            action.decision = decision
        FollowUp.objects.bulk_create(actions)
        _council_event(
            meeting.council,
            CouncilEventKind.DECIDED,
            actor=actor,
            meeting=meeting,
            payload={"decision": decision.pk, "for": decision.votes_for, "passed": decision.passed},
        )
    return decision


def decisions_notice_text(meeting) -> tuple[str, str]:
    council = meeting.council
    title = _("%(council)s: decisions of the meeting of %(date)s") % {
        "council": council.name,
        "date": timezone.localtime(meeting.held_at).strftime("%Y-%m-%d"),
    }
    lines = [
        _("Held at %(place)s; %(present)s of %(members)s members present.")
        % {"place": meeting.place, "present": meeting.present.count(), "members": meeting.members_count}
    ]
    for i, d in enumerate(meeting.decisions.prefetch_related("follow_ups").order_by("id"), 1):
        result = _("passed") if d.passed else _("not passed")
        lines.append(
            _("%(n)s. %(text)s (for %(for)s, against %(against)s, abstain %(abstain)s: %(result)s)")
            % {
                "n": i,
                "text": d.text,
                "for": d.votes_for,
                "against": d.votes_against,
                "abstain": d.votes_abstain,
                "result": result,
            }
        )
        for f in d.follow_ups.all():
            lines.append(
                _("   Follow-up: %(what)s; by %(who)s before %(deadline)s")
                % {"what": f.what, "who": f.who, "deadline": f.deadline.isoformat()}
            )
    return title[:200], "\n".join(lines)


def decisions_publish(*, actor, meeting) -> Meeting:
    """Publish the meeting's decisions as a public notice to the council's area (the citizens' notices page
    for the area shows it). Once: a published meeting takes no more decisions."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("council__area").get(pk=meeting.pk)
        if not selectors.can_run_desk(actor, meeting.council.area):
            raise PermissionDenied(_("Only the community's staff do this."))
        if meeting.notice_id:
            raise ValidationError({"meeting": _("The meeting's decisions are already published.")})
        if not meeting.decisions.exists():
            raise ValidationError({"meeting": _("The meeting has no decisions to publish.")})
        title, body = decisions_notice_text(meeting)
        meeting.notice = notice_publish(
            sender=actor, audience=Audience.PUBLIC, area=meeting.council.area, title=title, body=body
        )
        meeting.save(update_fields=["notice"])
        _council_event(
            meeting.council,
            CouncilEventKind.PUBLISHED,
            actor=actor,
            meeting=meeting,
            payload={"notice": meeting.notice_id},
        )
    return meeting


# -- what a council's follow-up action becomes: a task to the grids or a case (linked both ways) ----------

ACTION_DAY_END = datetime.time(17, 30)  # a follow-up due "by" a day is due at the end of its working day


def grids_concerned(council) -> list[Area]:
    """The active grids a council's follow-up may go to: those of its community, or the grid of its
    (micro-)grid."""
    code = council.area_code[: CODE_LENGTH[Level.GRID]]
    return list(
        Area.objects.filter(level=Level.GRID, is_active=True, code__startswith=code).order_by("code")[:500]
    )


def _action_locked(actor, follow_up) -> FollowUp:
    """The follow-up, locked, once the desk may act on it and while it is still only words."""
    action = (
        FollowUp.objects.select_for_update()
        .select_related("decision__meeting__council__area")
        .get(pk=follow_up.pk)
    )
    if not selectors.can_run_desk(actor, action.decision.meeting.council.area):
        raise PermissionDenied(_("Only the community's staff do this."))
    if action.task_id or action.case_id:
        raise ValidationError({"follow_up": _("This action is already a task or a case.")})
    return action


def _action_text(action) -> str:
    return _("Council decision: %(decision)s\nAction: %(what)s; by %(who)s before %(deadline)s") % {
        "decision": action.decision.text,
        "what": action.what,
        "who": action.who,
        "deadline": action.deadline.isoformat(),
    }


def _raised(actor, action, **payload) -> None:
    meeting = action.decision.meeting
    _council_event(
        meeting.council,
        CouncilEventKind.RAISED,
        actor=actor,
        meeting=meeting,
        payload={"follow_up": action.pk, **payload},
    )


def follow_up_to_task(
    *, actor, follow_up, item: AdmissionItem | None, grids: list[str] | None = None
) -> Task:
    """Send a follow-up action as a task (``tasks.services.task_create``) to the grids concerned, due at the
    end of its deadline day. The item must be on the admission list in force: a refusal is recorded by the
    tasks app and comes back with its reason, and the action stays as it was."""
    with transaction.atomic():
        action = _action_locked(actor, follow_up)
    council = action.decision.meeting.council
    allowed = {g.code for g in grids_concerned(council)}
    chosen = [str(c) for c in grids or []] or sorted(allowed)
    if not set(chosen) <= allowed:
        raise ValidationError({"grids": _("Choose grids of the council's own area.")})
    deadline = timezone.make_aware(datetime.datetime.combine(action.deadline, ACTION_DAY_END))
    request = dict(
        actor=actor,
        title=action.what,
        item=item,
        selection={"grids": chosen},
        starts_at=timezone.now(),
        deadline=deadline,
        instructions=_action_text(action),
    )
    if item is None or admission.item_refusal(item):
        # Outside our transaction: the tasks app records the refusal (the point of it) and raises it.
        task_create(**request)
    with transaction.atomic():
        action = _action_locked(actor, follow_up)
        task = task_create(**request)
        action.task = task
        action.save(update_fields=["task"])
        _raised(actor, action, task=task.pk)
    return task


def follow_up_to_case(*, actor, follow_up, category: Category | None, grid: Area | None) -> Case:
    """Report a follow-up action as a case of one grid concerned (``cases.services.case_report``): it then
    runs the case's own workflow, and the council's page follows its status."""
    with transaction.atomic():
        action = _action_locked(actor, follow_up)
        errors = {}
        if category is None or not category.is_active:
            errors["category"] = _("Choose a category.")
        allowed = {g.pk for g in grids_concerned(action.decision.meeting.council)}
        if grid is None or grid.pk not in allowed:
            errors["grid"] = _("Choose a grid of the council's own area.")
        if errors:
            raise ValidationError(errors)
        assert category is not None and grid is not None
        case = case_report(
            actor=actor,
            category=category,
            title=action.what[:200],
            description=_action_text(action),
            area=grid,
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
            source=Source.LEADER,
        ).case
        action.case = case
        action.save(update_fields=["case"])
        _raised(actor, action, case=case.pk)
    return case


def activity_from_task(
    *, actor, task, community, activity_type, place, starts_at, ends_at, capacity=20, title=""
) -> Activity:
    """A volunteer activity for a task (a campaign needing volunteers), in one step and linked: the task
    must be one the actor sees with a grid in the community; points are then credited on attendance by the
    community's rule, as for any activity."""
    if not scoped(actor, Task.objects.filter(pk=task.pk)).exists():
        raise PermissionDenied(_("You cannot see this task."))
    if not task.assignments.filter(area_code__startswith=community.code).exists():
        raise ValidationError({"task": _("The task has no grid in this community.")})
    with transaction.atomic():
        activity = activity_create(
            actor=actor,
            community=community,
            activity_type=activity_type,
            title=(title or task.title)[:100],
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
        )
        activity.task = task
        activity.save(update_fields=["task"])
    return activity


# -- notices to volunteers and liaisons ---------------------------------------------------------------------


def volunteer_notice_read(*, volunteer, notice) -> VolunteerNoticeReceipt:
    """Record that the volunteer has read a notice addressed to them; reading again keeps the first time."""
    if not selectors.volunteer_notices(volunteer).filter(pk=notice.pk).exists():
        raise ValidationError({"notice": _("This notice is not addressed to you.")})
    try:
        with transaction.atomic():
            receipt, _created = VolunteerNoticeReceipt.objects.get_or_create(
                notice=notice, volunteer=volunteer, defaults={"read_at": timezone.now()}
            )
    except IntegrityError:  # read twice at once: the other request recorded it
        receipt = VolunteerNoticeReceipt.objects.get(notice=notice, volunteer=volunteer)
    return receipt

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

from grids.models import CODE_LENGTH, Area, Level

from . import selectors
from .models import (
    Activity,
    ActivityType,
    EntryKind,
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

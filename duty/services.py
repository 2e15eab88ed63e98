"""Every write of the duty app, in the field's words: save and publish a roster, ask for a swap, approve or
refuse it, hand a shift over. Each is atomic and leaves an event on the duty trail; a refusal leaves nothing.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gridgov.bulk import rows_insert
from grids.models import Area, Membership, User
from worktime.calendar import LOCAL_TZ, day_kind

from .models import (
    DayType,
    DutyEvent,
    DutyEventKind,
    Handover,
    Post,
    Roster,
    RosterStatus,
    Shift,
    ShiftKind,
    Swap,
    SwapStatus,
)
from .selectors import LONGEST_SHIFT, UNIT_LEVELS, plannable, unit_people_q

MAX_SHIFTS = 20000
MAX_DAYS = 366
MAX_MESSAGES = 10
DAY_TYPES = {"holiday": DayType.HOLIDAY, "weekend": DayType.REST}
# The choices as sets, once: an enum's ``values`` is rebuilt on every access (a fifth of a year's save).
POSTS, KINDS = frozenset(Post.values), frozenset(ShiftKind.values)


def _event(roster, kind, *, actor=None, comment="", payload=None, at=None) -> DutyEvent:
    return DutyEvent(
        roster_id=roster.pk,
        unit_code=roster.unit_code,
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        at=at or timezone.now(),
        comment=comment,
        payload=payload or {},
    )


def _log(*events) -> None:
    DutyEvent.objects.bulk_create(list(events))


def _when(moment: dt.datetime) -> str:
    return date_format(moment.astimezone(LOCAL_TZ), "Y-m-d H:i")


def _person_ids(unit: Area) -> set[int]:
    return set(
        Membership.objects.filter(
            unit_people_q(unit), is_active=True, area__is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _names(ids) -> dict[int, str]:
    return {u.pk: str(u) for u in User.objects.filter(pk__in=set(ids)).only("id", "username", "display_name")}


def _overlapping(shifts_qs):
    """(shift, clashing shift id) for shifts of ``shifts_qs`` whose person has another shift at the same time
    (one query: an index probe on (person, starts_at) per shift)."""
    others = Shift.objects.filter(
        person_id=OuterRef("person_id"),
        starts_at__lt=OuterRef("ends_at"),
        starts_at__gt=OuterRef("starts_at") - LONGEST_SHIFT,
        ends_at__gt=OuterRef("starts_at"),
    ).exclude(pk=OuterRef("pk"))
    return shifts_qs.filter(Exists(others))


def _overlap_messages(found: list[Shift]) -> list[str]:
    names = _names(s.person_id for s in found)
    messages, seen = [], set()
    for s in found:
        other = (
            Shift.objects.filter(person_id=s.person_id, starts_at__lt=s.ends_at, ends_at__gt=s.starts_at)
            .exclude(pk=s.pk)
            .order_by("starts_at")
            .first()
        )
        pair = frozenset({s.pk, getattr(other, "pk", None)})
        if other is None or pair in seen:
            continue
        seen.add(pair)
        messages.append(
            _("%(person)s would be on two overlapping shifts: %(a)s–%(b)s and %(c)s–%(d)s.")
            % {
                "person": names.get(s.person_id, s.person_id),
                "a": _when(s.starts_at),
                "b": _when(s.ends_at),
                "c": _when(other.starts_at),
                "d": _when(other.ends_at),
            }
        )
    return messages


def _check_shifts(unit, starts_on, ends_on, shifts, people) -> tuple[list[Shift], list[str]]:
    """Shift rows for the roster (unsaved) and the problems found, before anything is written."""
    rows, problems = [], []
    outsiders = set()
    days: dict[dt.date, tuple[str, str]] = {}  # the calendar's word on each day, asked once per day
    for i, raw in enumerate(shifts, start=1):
        person = getattr(raw.get("person"), "pk", raw.get("person"))
        start, end = raw.get("starts_at"), raw.get("ends_at")
        post, kind = raw.get("post", Post.OFFICER), raw.get("kind", ShiftKind.DAY)
        if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
            problems.append(_("Shift %(i)d: give when it starts and when it ends.") % {"i": i})
            continue
        if timezone.is_naive(start) or timezone.is_naive(end):
            start = timezone.make_aware(start, LOCAL_TZ) if timezone.is_naive(start) else start
            end = timezone.make_aware(end, LOCAL_TZ) if timezone.is_naive(end) else end
        if end <= start:
            problems.append(_("Shift %(i)d: it ends before it starts.") % {"i": i})
            continue
        if end - start > LONGEST_SHIFT:
            problems.append(_("Shift %(i)d: a shift may last at most 48 hours.") % {"i": i})
            continue
        day = start.astimezone(LOCAL_TZ).date()
        if not starts_on <= day <= ends_on:
            problems.append(_("Shift %(i)d: it starts outside the roster's period.") % {"i": i})
            continue
        if post not in POSTS or kind not in KINDS:
            problems.append(_("Shift %(i)d: choose the post and the shift (day or night).") % {"i": i})
            continue
        if person not in people:
            outsiders.add(person)
            continue
        if day not in days:
            days[day] = day_kind(day)
        kind_of_day, name = days[day]
        rows.append(
            Shift(
                unit_code=unit.code,
                person_id=person,
                post=post,
                kind=kind,
                day_type=DAY_TYPES.get(kind_of_day, DayType.WORKDAY),
                holiday_name=name[:40] if kind_of_day == "holiday" else "",
                starts_at=start,
                ends_at=end,
            )
        )
    if outsiders:
        names = _names(o for o in outsiders if isinstance(o, int))
        listed = "、".join(sorted(names.get(o, str(o)) for o in outsiders))
        problems.append(
            _("Not on the staff of %(unit)s: %(people)s.") % {"unit": unit.name, "people": listed}
        )
    return rows, problems


@transaction.atomic
def roster_save(
    *,
    actor,
    unit: Area,
    starts_on: dt.date,
    ends_on: dt.date,
    leader,
    shifts: list[dict],
    title: str = "",
    roster: Roster | None = None,
) -> Roster:
    """Save a unit's roster for a period, as a draft: every shift checked (ends after it starts, inside the
    period, a person of the unit), written in bulk, then checked in SQL that nobody is on two overlapping
    shifts (in this roster or any other). Any problem refuses the whole roster; nothing is kept.
    ``roster``: a draft to replace."""
    errors: dict[str, list] = {}
    if unit is None or unit.level not in UNIT_LEVELS or not unit.is_active:
        raise ValidationError({"unit": [_("Rosters are kept by the centre, a street or a community.")]})
    if not plannable(actor, unit):
        raise ValidationError({"unit": [_("Only staff of this unit or above it may draw up its roster.")]})
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day comes before the first day.")]
    elif (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = [_("A roster covers at most a year.")]
    if roster is not None and (roster.unit_id != unit.pk or roster.status != RosterStatus.DRAFT):
        errors["roster"] = [_("Only a draft roster of this unit can be replaced.")]
    if len(shifts) > MAX_SHIFTS:
        errors["shifts"] = [_("Too many shifts in one roster.")]
    people = _person_ids(unit)
    leader_id = getattr(leader, "pk", leader)
    if leader_id not in people:
        errors["leader"] = [_("The roster's leader must be one of the unit's people.")]
    if errors:
        raise ValidationError(errors)
    clash = Roster.objects.filter(unit=unit, starts_on__lte=ends_on, ends_on__gte=starts_on)
    if roster is not None:
        clash = clash.exclude(pk=roster.pk)
    if clash.exists():
        raise ValidationError({"starts_on": [_("This unit already has a roster for part of this period.")]})
    rows, problems = _check_shifts(unit, starts_on, ends_on, shifts, people)
    if not rows and not problems:
        problems.append(_("A roster needs at least one shift."))
    if problems:
        raise ValidationError({"shifts": problems[:MAX_MESSAGES]})

    title = (title or "").strip()[:200] or _("%(unit)s duty roster %(a)s–%(b)s") % {
        "unit": unit.name,
        "a": starts_on.isoformat(),
        "b": ends_on.isoformat(),
    }
    if roster is None:
        roster = Roster.objects.create(
            unit=unit,
            unit_code=unit.code,
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
            leader_id=leader_id,
            shifts_count=len(rows),
            created_by=actor,
        )
    else:
        roster.shifts.all().delete()
        roster.title, roster.starts_on, roster.ends_on = title, starts_on, ends_on
        roster.leader_id, roster.shifts_count = leader_id, len(rows)
        roster.save(update_fields=["title", "starts_on", "ends_on", "leader", "shifts_count"])
    for row in rows:
        row.roster_id = roster.pk
    rows_insert(Shift, rows, batch_size=5000)
    found = list(_overlapping(Shift.objects.filter(roster=roster)).order_by("starts_at")[:MAX_MESSAGES])
    if found:
        raise ValidationError({"shifts": _overlap_messages(found)})
    _log(
        _event(
            roster,
            DutyEventKind.SAVED,
            actor=actor,
            payload={"shifts": len(rows), "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
    )
    return roster


@transaction.atomic
def roster_publish(*, actor, roster_id: int) -> Roster:
    roster = Roster.objects.select_for_update().select_related("unit").get(pk=roster_id)
    if not plannable(actor, roster.unit):
        raise ValidationError({"roster": [_("Only staff of this unit or above it may publish its roster.")]})
    if roster.status == RosterStatus.PUBLISHED:
        raise ValidationError({"roster": [_("This roster is already published.")]})
    roster.status, roster.published_at = RosterStatus.PUBLISHED, timezone.now()
    roster.save(update_fields=["status", "published_at"])
    _log(_event(roster, DutyEventKind.PUBLISHED, actor=actor, at=roster.published_at))
    return roster


def _locked_shift(shift_id) -> Shift:
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("roster", "roster__unit", "person")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        raise ValidationError({"shift": [_("No such shift.")]})
    return shift


def _busy(person_id, shift: Shift) -> bool:
    return (
        Shift.objects.filter(person_id=person_id, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
        .exclude(pk=shift.pk)
        .exists()
    )


def _substitute_problem(shift: Shift, substitute_id) -> str | None:
    if substitute_id == shift.person_id:
        return _("Choose someone else to take the shift.")
    if substitute_id not in _person_ids(shift.roster.unit):
        return _("The person taking the shift must be one of the people of %(unit)s.") % {
            "unit": shift.roster.unit.name
        }
    if _busy(substitute_id, shift):
        return _("That person is already on duty at that time.")
    return None


@transaction.atomic
def swap_request(*, actor, shift_id: int, substitute, reason: str) -> Swap:
    """The person on a shift asks another of the unit to take it; the roster's leader decides."""
    shift = _locked_shift(shift_id)
    substitute_id = getattr(substitute, "pk", substitute)
    reason = (reason or "").strip()
    errors: dict[str, list] = {}
    if actor.pk != shift.person_id and not actor.is_superuser:
        raise ValidationError({"shift": [_("Only the person on this shift may ask for a swap.")]})
    if shift.roster.status != RosterStatus.PUBLISHED:
        errors["shift"] = [_("The roster is not published yet.")]
    elif shift.starts_at <= timezone.now():
        errors["shift"] = [_("This shift has already begun.")]
    elif Swap.objects.filter(shift=shift, status=SwapStatus.REQUESTED).exists():
        errors["shift"] = [_("This shift already has a swap awaiting approval.")]
    if not reason:
        errors["reason"] = [_("Give the reason for the swap.")]
    problem = _substitute_problem(shift, substitute_id) if substitute_id else _("Choose who takes the shift.")
    if problem:
        errors["substitute"] = [problem]
    if errors:
        raise ValidationError(errors)
    swap = Swap.objects.create(
        shift=shift,
        unit_code=shift.unit_code,
        requester=actor,
        substitute_id=substitute_id,
        reason=reason[:500],
    )
    _log(
        _event(
            shift.roster,
            DutyEventKind.SWAP_REQUESTED,
            actor=actor,
            comment=swap.reason,
            payload={"swap": swap.pk, "shift": shift.pk, "from": shift.person_id, "to": substitute_id},
        )
    )
    return swap


def _locked_swap(swap_id, actor) -> Swap:
    swap = Swap.objects.select_for_update(of=("self",)).filter(pk=swap_id).first()
    if swap is None:
        raise ValidationError({"swap": [_("No such swap.")]})
    swap.shift = _locked_shift(swap.shift_id)
    roster = swap.shift.roster
    if actor.pk != roster.leader_id and not actor.is_superuser:
        raise ValidationError(
            {"swap": [_("Only the unit's leader on this roster may approve or refuse swaps.")]}
        )
    if swap.status != SwapStatus.REQUESTED:
        raise ValidationError({"swap": [_("This swap has already been decided.")]})
    return swap


@transaction.atomic
def swap_approve(*, actor, swap_id: int) -> Swap:
    """The roster's leader approves: the shift passes to the substitute (checked again: still one of the
    unit's people, still free at that time, the shift not begun)."""
    swap = _locked_swap(swap_id, actor)
    shift = swap.shift
    if shift.starts_at <= timezone.now():
        raise ValidationError({"swap": [_("This shift has already begun.")]})
    problem = _substitute_problem(shift, swap.substitute_id)
    if problem:
        raise ValidationError({"substitute": [problem]})
    now = timezone.now()
    previous = shift.person_id
    Shift.objects.filter(pk=shift.pk).update(person_id=swap.substitute_id)
    swap.status, swap.decided_by, swap.decided_at = SwapStatus.APPROVED, actor, now
    swap.save(update_fields=["status", "decided_by", "decided_at"])
    _log(
        _event(
            shift.roster,
            DutyEventKind.SWAP_APPROVED,
            actor=actor,
            at=now,
            payload={"swap": swap.pk, "shift": shift.pk, "from": previous, "to": swap.substitute_id},
        )
    )
    return swap


@transaction.atomic
def swap_refuse(*, actor, swap_id: int, reason: str) -> Swap:
    """The roster's leader refuses, saying why; the shift stays with its person."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for refusing.")]})
    swap = _locked_swap(swap_id, actor)
    now = timezone.now()
    swap.status, swap.decided_by, swap.decided_at = SwapStatus.REFUSED, actor, now
    swap.refusal_reason = reason[:500]
    swap.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    _log(
        _event(
            swap.shift.roster,
            DutyEventKind.SWAP_REFUSED,
            actor=actor,
            at=now,
            comment=swap.refusal_reason,
            payload={"swap": swap.pk, "shift": swap.shift_id},
        )
    )
    return swap


@transaction.atomic
def handover_write(*, actor, shift_id: int, happened: str, open_matters: str = "", at=None) -> Handover:
    """The person on a shift logs it for the next one: what happened and the matters still open."""
    shift = _locked_shift(shift_id)
    at = at or timezone.now()
    happened, open_matters = (happened or "").strip(), (open_matters or "").strip()
    if actor.pk != shift.person_id and not actor.is_superuser:
        raise ValidationError({"shift": [_("Only the person on this shift may hand it over.")]})
    errors: dict[str, list] = {}
    if shift.roster.status != RosterStatus.PUBLISHED:
        errors["shift"] = [_("The roster is not published yet.")]
    elif shift.starts_at > at:
        errors["shift"] = [_("The shift has not begun yet.")]
    elif Handover.objects.filter(shift=shift).exists():
        errors["shift"] = [_("This shift has already been handed over.")]
    if not happened:
        errors["happened"] = [_("Write what happened on the shift (or “nothing to report”).")]
    if errors:
        raise ValidationError(errors)
    handover = Handover.objects.create(
        shift=shift,
        unit_code=shift.unit_code,
        written_by=actor,
        written_at=at,
        happened=happened,
        open_matters=open_matters,
    )
    _log(
        _event(
            shift.roster,
            DutyEventKind.HANDOVER,
            actor=actor,
            at=at,
            comment=happened[:500],
            payload={"shift": shift.pk, "open_matters": bool(open_matters)},
        )
    )
    return handover

"""Every write of the duty app, in the field's words: save and publish a roster, ask for a swap, approve or
refuse it, hand a shift over. Each is atomic and leaves an event on the duty trail; a refusal leaves nothing.
"""

import datetime as dt
from dataclasses import dataclass
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gridgov.bulk import gc_paused, ids_assign, tuples_insert
from grids.models import GRID_TEAM_ROLES, Area, Level, Membership, Role, User
from worktime.calendar import LOCAL_TZ, day_kind

from . import notify
from .models import (
    DUTY_EVENT_CHAIN,
    DayType,
    DutyEvent,
    DutyEventHead,
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
# A shift as the save carries it: a tuple in the order of its columns (no model instance per row).
SHIFT_COLUMNS = (
    "roster_id", "unit_code", "person_id", "post", "kind", "day_type", "holiday_name", "starts_at", "ends_at"
)  # fmt: skip
SH_PERSON, SH_STARTS, SH_ENDS = 2, 7, 8
HELD = "held"  # marks a shift already kept, beside the new ones in the overlap sort


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


def _clash_message(names, a, b) -> str:
    return _("%(person)s would be on two overlapping shifts: %(a)s–%(b)s and %(c)s–%(d)s.") % {
        "person": names.get(a[SH_PERSON], a[SH_PERSON]),
        "a": _when(a[SH_STARTS]),
        "b": _when(a[SH_ENDS]),
        "c": _when(b[SH_STARTS]),
        "d": _when(b[SH_ENDS]),
    }


def _overlaps(rows, held) -> list[tuple]:
    """Pairs of shifts (rows as written) of one person that overlap: among the new rows, and between a new
    row and ``held`` (the people's shifts already kept, as ``(person, starts_at, ends_at)``). One sort of
    every shift by person and start; a shift clashes when it starts before the latest end seen so far."""
    marked = rows + [(HELD, "", p, "", "", "", "", s, e) for p, s, e in held]  # HELD: not a roster id
    marked.sort(key=itemgetter(SH_PERSON, SH_STARTS))
    found, last = [], None
    for m in marked:
        if last is not None and last[SH_PERSON] == m[SH_PERSON] and m[SH_STARTS] < last[SH_ENDS]:
            a, b = (last, m) if last[0] is not HELD else (m, last)
            if a[0] is not HELD:  # two kept shifts that overlap already are not this save's doing
                found.append((a, b))
                if len(found) >= MAX_MESSAGES:
                    break
        if last is None or last[SH_PERSON] != m[SH_PERSON] or m[SH_ENDS] > last[SH_ENDS]:
            last = m
    return found


def _span(start, end, days: dict):
    """A shift's times checked once for every shift sharing them (a leader and an officer, and every unit
    on the same calendar): (starts_at, ends_at, day, day type, holiday name), or the problem's message
    (``%(i)d`` left for the shift's number)."""
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        return _("Shift %(i)d: give when it starts and when it ends.")
    start = timezone.make_aware(start, LOCAL_TZ) if timezone.is_naive(start) else start
    end = timezone.make_aware(end, LOCAL_TZ) if timezone.is_naive(end) else end
    if end <= start:
        return _("Shift %(i)d: it ends before it starts.")
    if end - start > LONGEST_SHIFT:
        return _("Shift %(i)d: a shift may last at most 48 hours.")
    day = start.astimezone(LOCAL_TZ).date()
    if day not in days:
        kind_of_day, name = day_kind(day)
        holiday = name[:40] if kind_of_day == "holiday" else ""
        days[day] = (DAY_TYPES.get(kind_of_day, DayType.WORKDAY), holiday)
    return (start, end, day, *days[day])


def _check_shifts(roster_id, draft, people, spans) -> tuple[list[tuple], list[str]]:
    """Shift rows for the roster, as tuples in ``SHIFT_COLUMNS``' order, and the problems found, before
    anything is written. The save's only Python work per row: a few look-ups, no model instance; the times
    are checked once per distinct pair (``spans``, shared by the drafts)."""
    unit, starts_on, ends_on = draft.unit, draft.starts_on, draft.ends_on
    rows, problems = [], []
    outsiders = set()
    code = unit.code
    days: dict = spans.setdefault("days", {})
    for i, raw in enumerate(draft.shifts, start=1):
        person = raw.get("person")
        person = getattr(person, "pk", person)
        times = raw.get("starts_at"), raw.get("ends_at")
        span = spans.get(times)
        if span is None:
            span = spans[times] = _span(*times, days)
        if type(span) is not tuple:
            problems.append(span % {"i": i})
            continue
        start, end, day, day_type, holiday = span
        if not starts_on <= day <= ends_on:
            problems.append(_("Shift %(i)d: it starts outside the roster's period.") % {"i": i})
            continue
        post, kind = raw.get("post", Post.OFFICER), raw.get("kind", ShiftKind.DAY)
        if post not in POSTS or kind not in KINDS:
            problems.append(_("Shift %(i)d: choose the post and the shift (day or night).") % {"i": i})
            continue
        if person not in people:
            outsiders.add(person)
            continue
        rows.append((roster_id, code, person, post, kind, day_type, holiday, start, end))
    if outsiders:
        names = _names(o for o in outsiders if isinstance(o, int))
        listed = "、".join(sorted(names.get(o, str(o)) for o in outsiders))
        problems.append(
            _("Not on the staff of %(unit)s: %(people)s.") % {"unit": unit.name, "people": listed}
        )
    return rows, problems


@dataclass
class RosterDraft:
    """One unit's roster for ``rosters_save``: the arguments ``roster_save`` takes for one."""

    unit: Area
    starts_on: dt.date
    ends_on: dt.date
    leader: object
    shifts: list[dict]
    title: str = ""
    roster: Roster | None = None


def _people_by_unit(units) -> dict[int, set[int]]:
    """Each unit's people, for many units in one query (``unit_people_q`` of each, OR-ed)."""
    ids = {u.pk for u in units}
    communities = [u.pk for u in units if u.level == Level.COMMUNITY]
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    q = Q(area_id__in=ids) & ~Q(role=Role.DEPARTMENT_HANDLER)
    if communities:
        q |= Q(area__parent_id__in=communities, area__level=Level.GRID, role__in=GRID_TEAM_ROLES)
    rows = Membership.objects.filter(q, is_active=True, area__is_active=True, user__is_active=True)
    for user_id, area_id, parent_id in rows.values_list("user_id", "area_id", "area__parent_id"):
        found[area_id if area_id in ids else int(parent_id or 0)].add(user_id)
    return found


def _draft_errors(actor, draft: RosterDraft, people: set[int]) -> dict[str, list]:
    unit, starts_on, ends_on, roster = draft.unit, draft.starts_on, draft.ends_on, draft.roster
    if unit is None or unit.level not in UNIT_LEVELS or not unit.is_active:
        return {"unit": [_("Rosters are kept by the centre, a street or a community.")]}
    if not plannable(actor, unit):
        return {"unit": [_("Only staff of this unit or above it may draw up its roster.")]}
    errors: dict[str, list] = {}
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day comes before the first day.")]
    elif (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = [_("A roster covers at most a year.")]
    if roster is not None and (roster.unit_id != unit.pk or roster.status != RosterStatus.DRAFT):
        errors["roster"] = [_("Only a draft roster of this unit can be replaced.")]
    if len(draft.shifts) > MAX_SHIFTS:
        errors["shifts"] = [_("Too many shifts in one roster.")]
    if getattr(draft.leader, "pk", draft.leader) not in people:
        errors["leader"] = [_("The roster's leader must be one of the unit's people.")]
    return errors


def _refuse(drafts, draft: RosterDraft, errors: dict[str, list]):
    """Refuse the whole batch with one draft's problems (named by its unit when there are several)."""
    if len(drafts) > 1:
        errors = {k: [f"{draft.unit.name}: {m}" for m in v] for k, v in errors.items()}
    raise ValidationError(errors)


def _period_clashes(drafts) -> set[int]:
    """Units (by draft index) whose period meets another roster of the unit, kept or in this batch."""
    units = {d.unit.pk for d in drafts}
    kept = Roster.objects.filter(
        unit_id__in=units,
        starts_on__lte=max(d.ends_on for d in drafts),
        ends_on__gte=min(d.starts_on for d in drafts),
    ).values_list("pk", "unit_id", "starts_on", "ends_on")
    periods: list[tuple] = [(pk, unit, a, b) for pk, unit, a, b in kept]
    periods += [(("draft", i), d.unit.pk, d.starts_on, d.ends_on) for i, d in enumerate(drafts)]
    clashing = set()
    for i, d in enumerate(drafts):
        mine = {("draft", i), getattr(d.roster, "pk", None)}
        for pk, unit, a, b in periods:
            if unit == d.unit.pk and pk not in mine and a <= d.ends_on and b >= d.starts_on:
                clashing.add(i)
    return clashing


def _held_shifts(rows, replaced) -> list[tuple]:
    """The people's shifts already kept around the new ones (outside the drafts being replaced)."""
    if not rows:
        return []
    starts = min(r[SH_STARTS] for r in rows) - LONGEST_SHIFT
    ends = max(r[SH_ENDS] for r in rows)
    return list(
        Shift.objects.filter(
            person_id__in={r[SH_PERSON] for r in rows}, starts_at__lt=ends, starts_at__gt=starts
        )
        .exclude(roster_id__in=replaced)
        .values_list("person_id", "starts_at", "ends_at")
    )


def _default_title(d: RosterDraft) -> str:
    return (d.title or "").strip()[:200] or _("%(unit)s duty roster %(a)s–%(b)s") % {
        "unit": d.unit.name,
        "a": d.starts_on.isoformat(),
        "b": d.ends_on.isoformat(),
    }


def _rosters_make(actor, drafts) -> list[Roster]:
    """The drafts' rosters, unsaved: new ones with their ids drawn at once (one query), so the shift rows
    carry them from the first pass; a replaced draft with its new period and title."""
    rosters = []
    for d in drafts:
        roster = d.roster or Roster(unit=d.unit, unit_code=d.unit.code, created_by=actor)
        roster.title, roster.starts_on, roster.ends_on = _default_title(d), d.starts_on, d.ends_on
        roster.leader_id = getattr(d.leader, "pk", d.leader)
        rosters.append(roster)
    ids_assign(Roster, [r for r in rosters if r.pk is None])
    return rosters


def _rosters_write(rosters, drafts) -> None:
    """New rosters in one insert; replaced drafts updated (their old shifts deleted first)."""
    Roster.objects.bulk_create([r for r, d in zip(rosters, drafts, strict=True) if d.roster is None])
    for roster, d in zip(rosters, drafts, strict=True):
        if d.roster is not None:
            roster.shifts.all().delete()
            roster.save(update_fields=["title", "starts_on", "ends_on", "leader", "shifts_count"])


def _saved_event(actor, roster) -> DutyEvent:
    payload = {
        "shifts": roster.shifts_count,
        "starts_on": roster.starts_on.isoformat(),
        "ends_on": roster.ends_on.isoformat(),
    }
    return _event(roster, DutyEventKind.SAVED, actor=actor, payload=payload)


def _drafts_refuse_early(actor, drafts, people) -> None:
    for d in drafts:
        errors = _draft_errors(actor, d, people.get(getattr(d.unit, "pk", None), set()))
        if errors:
            _refuse(drafts, d, errors)
    for i in sorted(_period_clashes(drafts)):
        _refuse(
            drafts, drafts[i], {"starts_on": [_("This unit already has a roster for part of this period.")]}
        )


@transaction.atomic
def rosters_save(*, actor, drafts: list[RosterDraft]) -> list[Roster]:
    """Save many units' rosters as drafts at once, all or none, set-based: one query for every unit's
    people, one for the periods, one for the people's shifts already kept, the rows checked in one pass
    (tuples carrying their roster's id, no model instances) and for overlaps in one sort, one ``COPY`` of
    every shift, one chained append of every "saved" event. The checks read under the duty chain's head
    lock, so two saves take turns and cannot both place a person twice."""
    if not drafts:
        return []
    DutyEventHead.objects.select_for_update().filter(chain=DUTY_EVENT_CHAIN).first()
    people = _people_by_unit([d.unit for d in drafts if d.unit is not None])
    _drafts_refuse_early(actor, drafts, people)
    rosters = _rosters_make(actor, drafts)
    every: list[tuple] = []
    spans: dict = {}
    # The rows are acyclic tuples, freed by reference counting: the cyclic collector's passes over the
    # whole heap, which tens of thousands of new tuples set off, would cost more than the checks.
    with gc_paused():
        for roster, d in zip(rosters, drafts, strict=True):
            rows, problems = _check_shifts(roster.pk, d, people[d.unit.pk], spans)
            if not rows and not problems:
                problems.append(_("A roster needs at least one shift."))
            if problems:
                _refuse(drafts, d, {"shifts": problems[:MAX_MESSAGES]})
            roster.shifts_count = len(rows)
            every += rows
        replaced = [d.roster.pk for d in drafts if d.roster is not None]
        clashes = _overlaps(every, _held_shifts(every, replaced))
        if clashes:
            names = _names(a[SH_PERSON] for a, _b in clashes)
            raise ValidationError({"shifts": [_clash_message(names, a, b) for a, b in clashes]})
        _rosters_write(rosters, drafts)
        tuples_insert(Shift, SHIFT_COLUMNS, every)
    _log(*[_saved_event(actor, roster) for roster in rosters])
    return rosters


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
    period, a person of the unit, nobody on two overlapping shifts in this roster or any other). Any
    problem refuses the whole roster; nothing is kept. ``roster``: a draft to replace."""
    draft = RosterDraft(unit, starts_on, ends_on, leader, shifts, title, roster)
    [saved] = rosters_save(actor=actor, drafts=[draft])
    return saved


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
    notify.roster_published(roster)
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
    notify.swap_requested(swap)
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
    # The new person is reminded in turn (their reminder has its own key).
    Shift.objects.filter(pk=shift.pk).update(person_id=swap.substitute_id, reminded_at=None)
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
    notify.swap_decided(swap)
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
    notify.swap_decided(swap)
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
    notify.handover_written(handover)
    return handover

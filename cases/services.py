"""Every write to a case: one function per use case.

Each transition service (``case_act`` under every one): opens a transaction, locks the case row, checks the
version the user saw, runs the transition core (``cases.transitions``: permission, conditions, the FSM
transition, the stage clock), saves the case, appends its ``CaseEvent`` and schedules side effects with
``transaction.on_commit``.
"""

import hashlib
import json
from dataclasses import dataclass, replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.db import prepared_statements
from gridgov.stored_files import files_removed_on_failure
from grids.models import Area, Level
from grids.scope import reach
from grids.selectors import PlacedArea, area_at_point

from . import signals
from .attachments import attachment_store
from .events import EventDraft, event_append, events_append
from .extra_fields import clean_extra
from .models import (
    Attachment,
    CannedReply,
    Case,
    CaseEvent,
    Category,
    CloseType,
    EventKind,
    HeldWords,
    IdempotencyKey,
    Source,
)
from .numbers import case_number_allocate
from .selectors import cases_visible_to, unit_members
from .tokens import case_id_for_token
from .transitions import RATINGS, ActionNotAllowed, Change, action_request, report_step, request_step
from .workflow import (
    FINAL,
    OPEN,
    Status,
    callback_window,
    is_case_unit,
    is_handler,
    leads_handling_unit,
    may_write_notes,
)

__all__ = ["RATINGS", "ActionNotAllowed", "StaleVersion"]  # what callers catch or read here


class StaleVersion(Exception):
    """The case changed since the user saw it."""

    def __init__(self, case, seen_version):
        super().__init__(_("The case changed since you loaded it."))
        self.case, self.seen_version = case, seen_version


# --- Creating --------------------------------------------------------------------------------------


@dataclass
class ReportResult:
    case: Case
    created: bool


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def case_report(
    *,
    actor,
    category: Category,
    title: str,
    description: str = "",
    lat=None,
    lon=None,
    address: str = "",
    area: Area | None = None,
    urgency: str = "normal",
    source: str = Source.PATROL,
    request_type: str = "",
    extra: dict | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    level: str = "",
    idempotency_key: str = "",
    self_handled_result: str = "",
    after_photos=(),
    before_photos=(),
    at=None,
) -> ReportResult:
    """Collect (信息收集): a new case, located in its grid, numbered, with its first event.

    With ``idempotency_key`` a retry of the same request returns the first case; the same key with a
    different request is refused. With ``self_handled_result`` the reporter fixed it on the spot and the
    case goes straight to verification by someone else.
    """
    fingerprint = idempotency_key and _fingerprint(
        dict(
            category=category.pk,
            title=title,
            description=description,
            lat=lat,
            lon=lon,
            address=address,
            urgency=urgency,
            source=source,
            extra=extra,
        )
    )
    if idempotency_key:
        previous = _idempotent_replay(actor, idempotency_key, fingerprint)
        if previous:
            return ReportResult(previous, created=False)
    try:
        # Inside the transaction: the commit hooks that run after it plan their statements as usual.
        # Its photos are saved before their rows: a refused one rolls back the rest, files included.
        with files_removed_on_failure(), transaction.atomic(), prepared_statements():
            case, report_event = _case_create(
                actor=actor,
                category=category,
                title=title,
                description=description,
                lat=lat,
                lon=lon,
                address=address,
                area=area,
                urgency=urgency,
                source=source,
                request_type=request_type,
                extra=extra,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                level=level,
                at=at,
            )
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=actor, key=idempotency_key, fingerprint=fingerprint, case=case
                )
            before = _attach_all(case, actor, before_photos, kind="before")
            if before:  # the report event carries its photos, so the timeline shows them
                _link(before, report_event)
            after = []
            if self_handled_result:
                after = _self_handle(case, actor, self_handled_result, after_photos)
            # The caller renders the new case with its photos: load them now, in the same transaction. With
            # none stored the new case has none: an empty queryset fills the cache without a query.
            photos = "attachments" if before or after else Prefetch("attachments", Attachment.objects.none())
            prefetch_related_objects([case], photos)
    except IntegrityError:
        # A concurrent retry with the same key won the race: hand back its case.
        previous = idempotency_key and _idempotent_replay(actor, idempotency_key, fingerprint)
        if not previous:
            raise
        return ReportResult(previous, created=False)
    return ReportResult(case, created=True)


def _idempotent_replay(actor, key, fingerprint):
    row = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise ValidationError(
            {"idempotency_key": _("This Idempotency-Key was used for a different request.")}
        )
    return row.case


def _case_create(
    *,
    actor,
    category,
    title,
    description,
    lat,
    lon,
    address,
    area,
    urgency,
    source,
    request_type,
    extra,
    reporter_name,
    reporter_phone,
    level,
    at,
):
    errors = {}
    if not category.is_active or category.is_major:
        errors["category"] = _("Choose an active minor category.")
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    # The spatial index knows the id, code and level of the area at a point: no query for it.
    place = area and PlacedArea(area.pk, area.code, area.level)
    if place is None:
        if lat is None or lon is None:
            errors["location"] = _("Give a location on the map or choose a grid.")
        else:
            place = area_at_point(lat, lon)
            if place is None:
                errors["location"] = _("This point is outside every grid of the district.")
    if place is not None and place.level not in (Level.GRID, Level.MICROGRID, Level.COMMUNITY):
        errors["area"] = _("A case belongs to a grid (or micro-grid).")
    cleaned_extra, extra_errors = clean_extra(category, extra or {})
    errors.update({f"extra.{code}": messages for code, messages in extra_errors.items()})
    if errors or place is None:
        raise ValidationError(errors)
    # Outside intake (citizens, the hotline, sensors) is authorised by its API key, not by an area.
    if actor is not None and source not in OUTSIDE_SOURCES and not _may_report_in(actor, place.code):
        raise PermissionDenied(_("You can report cases only in your own areas."))
    now = at or timezone.now()
    case = Case(
        number=case_number_allocate(year=timezone.localtime(now).year, area_code=place.code),
        title=title.strip(),
        description=description,
        category=category,
        extra=cleaned_extra,
        urgency=urgency,
        request_type=request_type,
        level=level or category.default_level,
        source=source,
        reporter=actor if getattr(actor, "pk", None) else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        lat=lat,
        lon=lon,
        address=address,
        area_id=place.id,
        area_code=place.code,
        reported_at=now,
    )
    if area is not None:
        case.area = area
    change = report_step(case, actor, now)
    case.save()
    (event,) = events_append([replace(change.event, case_id=case.pk)], first=True, case=case)
    transaction.on_commit(lambda: signals.case_changed.send(sender=Case, case_id=case.pk, kind="report"))
    return case, event


OUTSIDE_SOURCES = (Source.CITIZEN, Source.HOTLINE, Source.SENSOR)


def _may_report_in(user, area_code) -> bool:
    return (
        user.is_superuser
        or reach(user).covers(area_code)
        or any(area_code.startswith(code) for code in reach(user).department_area_codes)
    )


def _self_handle(case, actor, result, after_photos):
    attached = _attach_all(case, actor, after_photos, kind="after")
    request = action_request("self-handle", case, result=result, photos=[a.pk for a in attached])
    _link(attached, _commit(request_step(case, actor, request)))
    return attached


# --- Transitions -------------------------------------------------------------------------------------


def _locked(case_id, version=None) -> Case:
    # of=self: lock the case row only (PostgreSQL refuses FOR UPDATE on the nullable side of a join).
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "area", "handling_area")
        .get(pk=case_id)
    )
    if version is not None and case.version != version:
        raise StaleVersion(case, version)
    return case


def _commit(change: Change) -> CaseEvent:
    """Write what the transition core returned: save the case (the caller holds its row lock), append its
    event, and tell the listeners once the transaction commits."""
    case, kind = change.case, change.event.kind
    case.save()
    event = events_append([change.event], case=case)[0]
    transaction.on_commit(lambda: signals.case_changed.send(sender=Case, case_id=case.pk, kind=kind))
    return event


def _link(attachments, event):
    if attachments:
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(event=event)


def case_act(action, *, case_id, actor, version=None, photos=(), **arguments) -> Case:
    """Every workflow action (``cases.transitions.ACTIONS``): lock the case, check the version the user saw,
    store the photos, run the transition core, save, append the event, link the photos to it."""
    with files_removed_on_failure(), transaction.atomic():
        case = _locked(case_id, version)
        _act(case, actor, action, photos, **arguments)
        return case


def _act(case, actor, action, photos=(), **arguments):
    request = action_request(action, case, **arguments)
    attached = _attach_all(case, actor, photos, kind=request.photo_kind)
    change = request_step(case, actor, request, photo_ids=[a.pk for a in attached])
    _link(attached, _commit(change))


def _service(action):
    def service(**kwargs):
        return case_act(action, **kwargs)

    service.__name__ = service.__qualname__ = "case_" + action.replace("-", "_")
    return service


case_file = _service("file")
case_void = _service("void")
case_answer = _service("answer")
case_return_to_hotline = _service("return-to-hotline")
case_dispatch = _service("dispatch")
case_return = _service("return")
case_accept = _service("accept")
case_feedback = _service("feedback")
case_extension_request = _service("request-extension")
case_suspend = _service("suspend")
case_resume = _service("resume")
case_evaluate = _service("evaluate")
case_reopen = _service("reopen")
case_supervise = _service("supervise")


def case_extension_decide(*, approve: bool, **kwargs):
    return case_act("approve-extension" if approve else "reject-extension", **kwargs)


def case_verify(*, passed: bool, **kwargs):
    return case_act("verify-pass" if passed else "verify-fail", **kwargs)


def case_escalate(*, reason="", **kwargs):
    return case_act("escalate", comment=reason, **kwargs)


def case_close(*, case_id, actor, close_type="", comment="", version=None):
    with transaction.atomic():
        case = _locked(case_id, version)
        if not close_type and _was_overdue(case):
            close_type = CloseType.OVERDUE
        _act(case, actor, "close", close_type=close_type, comment=comment)
        return case


def _was_overdue(case) -> bool:
    return case.alert == "red" or CaseEvent.objects.filter(case=case, kind="overdue").exists()


def case_evaluate_by_token(*, token, satisfaction, comment=""):
    """A citizen (no account) rates through the link they were given; the token is the permission."""
    case_id = case_id_for_token(token)
    if case_id is None:
        raise PermissionDenied(_("This link is not valid."))
    case = Case.objects.only("duplicate_of_id").get(pk=case_id)
    # A merged report is rated on the case it was merged into.
    return case_evaluate(
        case_id=case.duplicate_of_id or case_id,
        actor=None,
        satisfaction=satisfaction,
        comment=comment,
        channel="link",
    )


def may_reopen_by_citizen(case) -> bool:
    """Whether a citizen may still say "still a problem": closed (rated or not) within the callback window."""
    return (
        case.status in (Status.CLOSED, Status.EVALUATED)
        and case.closed_at is not None
        and case.closed_at >= timezone.now() - callback_window()
    )


def case_reopen_by_token(*, token, words):
    """ "Still a problem" (仍未解决): the citizen, through their link and within the callback window after the
    closing, sends the case back to work with their words. It runs the centre's ``reopen`` as the system:
    the case is filed again, its unit dispatches it anew, and the timeline keeps the citizen's words."""
    case_id = case_id_for_token(token)
    if case_id is None:
        raise PermissionDenied(_("This link is not valid."))
    own = Case.objects.only("duplicate_of_id").get(pk=case_id)
    case = Case.objects.only("status", "closed_at").get(pk=own.duplicate_of_id or case_id)
    words = (words or "").strip()
    if not words:
        raise ValidationError({"words": [_("Say what is still wrong.")]})
    if case.status in FINAL and not may_reopen_by_citizen(case):
        raise ValidationError(
            {"words": [_("This report can no longer be reopened from its link; please report it again.")]}
        )
    reason = _("The reporter says it is still a problem: %(words)s") % {"words": words[:500]}
    # Open again (reopened meanwhile): the core refuses with ActionNotAllowed.
    return case_act("reopen", case_id=case.pk, actor=None, reason=reason)


def evaluations_lapse(*, now=None, limit=500) -> int:
    """Close the evaluate step as "no response" for cases closed longer ago than the callback window."""
    cutoff = (now or timezone.now()) - callback_window()
    ids = list(
        Case.objects.filter(status="closed", closed_at__lte=cutoff)
        .order_by("closed_at")
        .values_list("pk", flat=True)[:limit]
    )
    lapsed = 0
    for case_id in ids:
        try:
            case_act("lapse-evaluation", case_id=case_id, actor=None)
            lapsed += 1
        except (ActionNotAllowed, ValidationError):
            pass  # rated or reopened meanwhile: nothing to do
    return lapsed


def case_merge(*, case_id, actor, into, reason, version=None):
    """Merge a duplicate into the original: the duplicate closes as merged, both timelines say so, and
    the duplicate's reporter follows the original (scope, notices, citizen link)."""
    target = _merge_target(into)
    with transaction.atomic():
        # Lock both rows in id order, so two merges of the same pair never deadlock.
        locked = {
            c.pk: c
            for c in Case.objects.select_for_update(of=("self",))
            .select_related("category", "area", "handling_area")
            .filter(pk__in=sorted({case_id, target.pk}))
            .order_by("pk")
        }
        case, target = locked[case_id], locked.get(target.pk, target)
        if version is not None and case.version != version:
            raise StaleVersion(case, version)
        if target.pk == case.pk or target.status == "voided" or target.duplicate_of_id:
            raise ValidationError({"into": _("Choose another case that is not voided or merged itself.")})
        if actor is not None and not cases_visible_to(actor).filter(pk=target.pk).exists():
            raise ValidationError({"into": _("No such case in your areas.")})
        _commit(request_step(case, actor, action_request("merge", case, into=target, reason=reason)))
        # Later reports of the same problem now point here; so do the duplicate's own duplicates.
        Case.objects.filter(duplicate_of=case).update(duplicate_of=target)
        event_append(
            case=target,
            kind="merged_in",
            actor=actor,
            from_status=target.status,
            to_status=target.status,
            comment=reason,
            payload={"duplicate": case.number, "duplicate_id": case.pk},
        )
        transaction.on_commit(
            lambda: signals.case_changed.send(sender=Case, case_id=target.pk, kind="merged_in")
        )
        return case


def _merge_target(into) -> Case:
    if isinstance(into, Case):
        return into
    target = Case.objects.filter(number=str(into)).first() or (
        Case.objects.filter(pk=int(into)).first() if str(into).isdigit() else None
    )
    if target is None:
        raise ValidationError({"into": _("No such case.")})
    return target


# --- Edits (no status change, still in the timeline) -----------------------------------------------


def case_correct_area(*, case_id, actor, area: Area, reason: str, version=None):
    """Staff correct the grid a case belongs to; the correction is in the timeline."""
    with transaction.atomic():
        case = _locked(case_id, version)
        if not (actor.is_superuser or reach(actor).covers(area.code)) or not is_case_unit(case, actor):
            raise PermissionDenied(_("You may not move this case."))
        if case.status in FINAL:
            raise ValidationError({"__all__": [_("A finished case cannot be moved.")]})
        if area.level not in (Level.GRID, Level.MICROGRID) or not area.is_active:
            raise ValidationError({"area": _("Choose an active grid.")})
        if not (reason or "").strip():
            raise ValidationError({"reason": _("A reason is required.")})
        before = case.area.code
        case.area, case.area_code = area, area.code
        case.version += 1
        case.save(update_fields=["area", "area_code", "version", "updated_at"])
        event_append(
            case=case,
            kind="correct_area",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=reason,
            payload={"from": before, "to": area.code},
        )
        return case


def cases_rehome(*, moves: dict, actor, comment: str, payload: dict, handling_from=(), at=None) -> int:
    """Open cases follow their point to another grid after a grid adjustment (split, merge, redraw:
    ``command.rehoming``), in the caller's transaction. ``moves``: {(area, grid): {case id: old area code}}:
    the area the case now lies in, and the grid that takes over its handling where the handling unit was one
    the case leaves (``handling_from``). One UPDATE per target area, and one ``rehome`` event per case (why:
    ``comment``) through the one event writer. A case closed meanwhile keeps its grid: it is history.
    Returns how many cases moved."""
    at = at or timezone.now()
    ids = sorted(pk for rows in moves.values() for pk in rows)
    if not ids:
        return 0
    # The row locks, in id order, before the chains move (the event writer's rule).
    statuses = dict(
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status__in=OPEN)
        .order_by("pk")
        .values_list("pk", "status")
    )
    drafts = []
    for (area, grid), rows in moves.items():
        moving = [pk for pk in rows if pk in statuses]
        Case.objects.filter(pk__in=moving).update(
            area_id=area.pk, area_code=area.code, version=F("version") + 1, updated_at=at
        )
        Case.objects.filter(pk__in=moving, handling_area_id__in=list(handling_from)).update(
            handling_area_id=grid.pk
        )
        drafts += [
            EventDraft(
                case_id=pk,
                kind=EventKind.REHOME,
                at=at,
                actor_id=getattr(actor, "pk", None),
                from_status=statuses[pk],
                to_status=statuses[pk],
                comment=comment,
                payload={"from": rows[pk], "to": area.code, **payload},
            )
            for pk in moving
        ]
    events_append(sorted(drafts, key=lambda d: d.case_id))
    return len(drafts)


def case_attach(*, case_id, actor, files, kind="evidence", version=None):
    """Add photos or documents to a case, as an event of their own."""
    with files_removed_on_failure(), transaction.atomic():
        case = _locked(case_id, version)
        if not cases_visible_to(actor).filter(pk=case.pk).exists():
            raise PermissionDenied(_("You may not add files to this case."))
        attached = _attach_all(case, actor, files, kind=kind)
        event = event_append(
            case=case,
            kind="attach",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            payload={"attachments": [a.pk for a in attached], "kind": kind},
        )
        _link(attached, event)
        return attached


def _attach_all(case, actor, files, kind):
    return [attachment_store(case=case, actor=actor, upload=f, kind=kind) for f in files]


# --- Progress notes and the named handler (no status change, still in the timeline) --------------------

NOTE_MAX_LENGTH = 2000


def case_note(*, case_id, actor, text="", public=False, canned: CannedReply | None = None) -> CaseEvent:
    """A progress note on a case (进展备注): internal, for the staff alone, or public, which the reporter
    reads on their tracking page too. A canned reply of the case's category gives the text when none is
    written. The note is an event of the case's timeline; the case itself does not change."""
    with transaction.atomic():
        case = _locked(case_id)
        if not may_write_notes(case, actor):
            raise PermissionDenied(_("You may not add notes to this case."))
        text = (text or "").strip()
        if canned is not None:
            if not canned.is_active or canned.category_id not in (case.category_id, case.category.parent_id):
                raise ValidationError({"canned": [_("This reply is not one of this category's.")]})
            text = text or canned.text
        if not text:
            raise ValidationError({"text": [_("Write the note, or pick a canned reply.")]})
        if len(text) > NOTE_MAX_LENGTH:
            raise ValidationError(
                {"text": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX_LENGTH}]}
            )
        return event_append(
            case=case,
            kind=EventKind.NOTE_PUBLIC if public else EventKind.NOTE,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=text,
            payload={"canned": canned.pk} if canned is not None else {},
        )


def case_assign(*, case_id, actor, assignee=None, comment="", version=None) -> Case:
    """Name the case's handler (签收人) inside its handling unit, or clear the name (``assignee`` None).

    The unit's lead (``workflow.leads_handling_unit``) names anyone of the unit; a member names
    themselves ("我来办") while nobody is named, or clears their own name. Recorded as an event; the case's
    version does not move (nothing of the workflow changed), so nobody's open form goes stale."""
    with transaction.atomic():
        case = _locked(case_id, version)
        if case.status in FINAL or not (case.handling_department_id or case.handling_area_id):
            raise ValidationError({"__all__": [_("This case has no handling unit to name a handler in.")]})
        lead = leads_handling_unit(case, actor)
        if assignee is None:
            if not (lead or case.assignee_id == actor.pk):
                raise PermissionDenied(_("Only the unit's lead may clear someone else's name."))
        else:
            if assignee.pk != actor.pk and not lead:
                raise PermissionDenied(_("Only the unit's lead may name someone else."))
            if assignee.pk == actor.pk and not (lead or is_handler(case, actor)):
                raise PermissionDenied(_("You are not in the unit handling this case."))
            if assignee.pk == actor.pk and not lead and case.assignee_id not in (None, actor.pk):
                raise PermissionDenied(_("Someone is named already: ask the unit's lead to change it."))
            if not unit_members(case).filter(pk=assignee.pk).exists():
                raise ValidationError({"assignee": [_("Name someone of the unit handling this case.")]})
        if case.assignee_id == getattr(assignee, "pk", None):
            return case  # already so: nothing to record
        previous = case.assignee_id
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        kind = EventKind.ASSIGN if assignee is not None else EventKind.UNASSIGN
        event_append(
            case=case,
            kind=kind,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=(comment or "").strip(),
            payload={
                "assignee": getattr(assignee, "pk", None),
                "name": str(assignee) if assignee is not None else "",
                "previous": previous,
            },
        )
        transaction.on_commit(lambda: signals.case_changed.send(sender=Case, case_id=case.pk, kind=kind))
        return case


# --- Citizens' updates on a published report (issue 24 §1) ------------------------------------------------

CITIZEN_UPDATE_MAX_LENGTH = 500


def case_update_by_citizen(
    *, case_id, phone, text="", still_there=False, photo=None, held=False
) -> CaseEvent:
    """A citizen's update on an open report ("still there", a few words, a photo), identified by a phone
    verified by SMS code. It is an event of the timeline the staff read; the case does not change. The photo
    is kept as evidence, which nothing public serves until staff approve it; the phone is for the staff."""
    text = " ".join((text or "").split())
    if not text and not still_there and photo is None:
        raise ValidationError({"text": [_('Say what you see, or tick "still there".')]})
    if len(text) > CITIZEN_UPDATE_MAX_LENGTH:
        raise ValidationError(
            {"text": [_("Keep the update under %(n)d characters.") % {"n": CITIZEN_UPDATE_MAX_LENGTH}]}
        )
    with files_removed_on_failure(), transaction.atomic():
        case = _locked(case_id)
        if case.status in FINAL:
            raise ValidationError(
                {
                    "text": [
                        _("This report is closed: updates are no longer taken. Report it again if needed.")
                    ]
                }
            )
        attached = [attachment_store(case=case, actor=None, upload=photo, kind="evidence")] if photo else []
        event = event_append(
            case=case,
            kind=EventKind.CITIZEN_UPDATE,
            from_status=case.status,
            to_status=case.status,
            comment=text,
            payload={
                "still_there": bool(still_there),
                "phone": phone,
                "attachments": [a.pk for a in attached],
            },
        )
        _link(attached, event)
        if held and text:  # the words wait for staff (cases.moderation.citizen_update_approve)
            HeldWords.objects.create(event=event)
        transaction.on_commit(
            lambda: signals.case_changed.send(sender=Case, case_id=case.pk, kind=EventKind.CITIZEN_UPDATE)
        )
        return event

"""Every write of the mediation app: mediators, monthly screenings, disputes and their mediation.

Each function checks everything before it writes, then writes in one transaction with the dispute row
locked; a refused request leaves nothing behind. Every step appends a ``DisputeEvent`` to the hash chain.
"""

import datetime
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from cases.media import DOCUMENT, IMAGE, content_sha256, inspect_upload, process_image
from cases.models import Case
from cases.services import case_note
from gridgov.stored_files import file_written, files_removed_on_failure
from grids.models import CODE_LENGTH, Level, Role
from grids.scope import reach, scoped
from residents import crypto
from residents.models import Person
from residents.selectors import id_hashes

from .models import (
    Dispute,
    DisputeEvent,
    DisputeType,
    EventKind,
    FollowUp,
    Mediator,
    MediatorKind,
    Party,
    PartyRole,
    ReferredTo,
    RiskLevel,
    Screening,
    Session,
    Signature,
    Source,
)
from .workflow import SESSION_STATES, WRITE_ROLES, Status

# Follow-up visits after an agreement, in days from the day follow-up begins (docs/domain.md §8).
FOLLOW_UP_DAYS = (7, 30, 90)
MAX_PARTIES = 20
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
# A case category under this code is a dispute (the catalogue's 矛盾纠纷 class), and its type.
DISPUTE_CATEGORY_PREFIX = "06"
CASE_TYPES = {
    "06001": DisputeType.NEIGHBOUR,
    "06002": DisputeType.PROPERTY,
    "06003": DisputeType.LABOUR,
    "06004": DisputeType.FAMILY,
}


class NotAllowedNow(Exception):
    """The step does not apply in the dispute's state; ``allowed`` names the steps that do."""

    def __init__(self, message, allowed=()):
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed)


def may_write(actor, code: str, roles=WRITE_ROLES) -> bool:
    return bool(getattr(actor, "is_superuser", False)) or reach(actor).covers(code, roles)


def _event(kind, *, actor=None, dispute=None, screening=None, area_code="", **fields) -> DisputeEvent:
    event = DisputeEvent(
        dispute=dispute,
        screening=screening,
        area_code=area_code or getattr(dispute, "area_code", "") or getattr(screening, "area_code", ""),
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        at=fields.pop("at", None) or timezone.now(),
        **fields,
    )
    event.save()
    return event


def _required(errors, name, value, message=None):
    if not str(value or "").strip():
        errors[name] = [message or _("This field is required.")]


def _grid(actor, area, errors, roles=WRITE_ROLES):
    if area is None:
        errors["area"] = [_("Choose the grid.")]
    elif area.level not in (Level.GRID, Level.MICROGRID):
        errors["area"] = [_("Choose a grid, not a larger area.")]
    elif not may_write(actor, area.code, roles):
        raise PermissionDenied(_("You do not work in this grid."))


# --- Mediators -------------------------------------------------------------------------------------


def mediator_register(*, actor, name, kind, area, organisation="", work_phone="") -> Mediator:
    """A people's mediator, legal adviser or community police officer serving an area."""
    errors: dict = {}
    _required(errors, "name", name)
    if kind not in MediatorKind.values:
        errors["kind"] = [_("Choose a people's mediator, a legal adviser or the community police.")]
    if area is None:
        errors["area"] = [_("Choose the area served.")]
    elif not may_write(actor, area.code, STAFF_ROLES):
        raise PermissionDenied(_("Community, street or centre staff of this area register its mediators."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mediator = Mediator.objects.create(
            name=name.strip()[:64],
            kind=kind,
            area=area,
            area_code=area.code,
            organisation=(organisation or "").strip()[:100],
            work_phone=(work_phone or "").strip()[:32],
        )
        _event(EventKind.MEDIATOR, actor=actor, area_code=area.code, payload={"mediator": mediator.pk})
    return mediator


def mediators_for(code: str):
    """Active mediators serving the grid ``code``: registered there or in an area above it."""
    ancestors = [code[:n] for n in sorted(set(CODE_LENGTH.values())) if n <= len(code)]
    return Mediator.objects.filter(is_active=True, area_code__in=ancestors)


# --- Monthly screening -------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return month_start(month - timedelta(days=1))


def screening_file(*, actor, area, month, nothing_found: bool, note: str = "") -> Screening:
    """A grid's screening for this month or the last one; once per grid and month."""
    errors: dict = {}
    _grid(actor, area, errors)
    today = timezone.localdate()
    if month is None:
        errors["month"] = [_("Choose the month screened.")]
    else:
        month = month_start(month)
        if month not in (month_start(today), previous_month(month_start(today))):
            errors["month"] = [_("File this month's screening, or last month's if it is late.")]
    if not nothing_found and not (note or "").strip():
        errors["note"] = [_("Say what was found, or tick “nothing found”.")]
    if not errors and Screening.objects.filter(area=area, month=month).exists():
        errors["month"] = [_("This grid's screening for the month is already filed.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            screening = Screening.objects.create(
                area=area,
                area_code=area.code,
                month=month,
                nothing_found=bool(nothing_found),
                note=(note or "").strip(),
                filed_by=actor,
            )
            _event(
                EventKind.SCREENED,
                actor=actor,
                screening=screening,
                payload={"month": f"{month:%Y-%m}", "nothing_found": bool(nothing_found)},
            )
    except IntegrityError as exc:  # filed twice at once: the second is refused like a later one
        raise ValidationError(
            {"month": [_("This grid's screening for the month is already filed.")]}
        ) from exc
    return screening


# --- Recording a dispute ---------------------------------------------------------------------------


def _parties(actor, area, raw_parties, errors) -> list[Party]:
    rows: list[Party] = []
    if not raw_parties:
        errors["parties"] = [_("Name at least one party.")]
        return rows
    if len(raw_parties) > MAX_PARTIES:
        errors["parties"] = [_("At most %(n)d parties.") % {"n": MAX_PARTIES}]
        return rows
    community = area.code[: CODE_LENGTH[Level.COMMUNITY]]
    persons = scoped(actor, Person.objects.select_related("area"))
    for i, raw in enumerate(raw_parties):
        problems = []
        role = raw.get("role") or PartyRole.APPLICANT
        if role not in PartyRole.values:
            problems.append(_("A party is an applicant or a respondent."))
        person = None
        person_id = raw.get("person")
        id_number = str(raw.get("id_number") or "").strip()
        if person_id:
            person = persons.filter(pk=person_id).first()
            if person is None:
                problems.append(_("No such person in the register you can see."))
        elif id_number:
            hashes = id_hashes(id_number)
            person = persons.filter(id_hash__in=hashes).first() if hashes else None
            if person is not None and not person.area.code.startswith(community):
                person = None  # registered elsewhere: recorded as an outsider
        if person is not None and not person.area.code.startswith(community):
            problems.append(
                _("%(name)s lives outside this dispute's community; record them as an outsider.")
                % {"name": person.name}
            )
        name = (person.name if person else str(raw.get("name") or "")).strip()
        if not name:
            problems.append(_("Give the party's name, or choose a person from the register."))
        if problems:
            errors[f"parties.{i}"] = problems
            continue
        phone = str(raw.get("phone") or "").strip()
        rows.append(
            Party(
                role=role,
                person=person,
                name=name[:64],
                id_mask=person.id_mask if person else (crypto.mask_id(id_number) if id_number else ""),
                phone_mask=(person.phone_mask if person else (crypto.mask_phone(phone) if phone else "")),
            )
        )
    return rows


def dispute_record(
    *,
    actor,
    area,
    title,
    dispute_type,
    risk_level,
    risk_reason,
    source,
    parties,
    description="",
    screening=None,
    case=None,
) -> Dispute:
    """A dispute found by screening, on a visit, from a case or through the hotline, with its parties."""
    errors: dict = {}
    _grid(actor, area, errors)
    _required(errors, "title", title)
    if dispute_type not in DisputeType.values:
        errors["dispute_type"] = [_("Choose the type of dispute.")]
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = [_("Choose the risk level.")]
    _required(errors, "risk_reason", risk_reason, _("Say why the risk is at this level."))
    if source not in Source.values:
        errors["source"] = [_("Choose where the dispute was found.")]
    if source == Source.SCREENING:
        if screening is None:
            errors["screening"] = [_("Name the screening that found it.")]
        elif area is not None and screening.area_id != area.pk:
            errors["screening"] = [_("The screening is another grid's.")]
        elif screening.nothing_found:
            errors["screening"] = [_("That screening found nothing.")]
    elif screening is not None:
        errors["screening"] = [_("Only a dispute found by screening names a screening.")]
    party_rows = _parties(actor, area, parties, errors) if area is not None and "area" not in errors else []
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dispute = Dispute.objects.create(
            title=title.strip()[:120],
            dispute_type=dispute_type,
            description=(description or "").strip(),
            area=area,
            area_code=area.code,
            risk_level=risk_level,
            risk_reason=risk_reason.strip()[:200],
            source=source,
            screening=screening,
            case=case,
            recorded_by=actor,
        )
        for party in party_rows:
            party.dispute = dispute
        Party.objects.bulk_create(party_rows)
        _event(
            EventKind.FROM_CASE if case else EventKind.RECORDED,
            actor=actor,
            dispute=dispute,
            to_status=dispute.status,
            payload={"source": source, "risk": risk_level, "parties": len(party_rows)}
            | ({"case": case.number} if case else {}),
        )
    return dispute


def dispute_from_case(*, actor, case_id, risk_level=RiskLevel.MEDIUM, risk_reason="") -> Dispute:
    """A case of the dispute category becomes a dispute in one step, linked both ways: the dispute names
    the case, and the case's timeline gets a note naming the dispute (``cases.services.case_note``)."""
    case = scoped(actor, Case.objects.select_related("category", "area")).filter(pk=case_id).first()
    if case is None:
        raise ValidationError({"case": [_("No such case.")]})
    if not case.category.code.startswith(DISPUTE_CATEGORY_PREFIX):
        raise ValidationError({"case": [_("Only a case of the dispute category becomes a dispute.")]})
    if Dispute.objects.filter(case=case).exists():
        raise ValidationError({"case": [_("This case is already a dispute.")]})
    grid = case.area
    if grid.level == Level.MICROGRID and grid.parent_id:
        grid = grid.parent
    parties = [{"role": PartyRole.APPLICANT, "name": case.reporter_name or _("Reporter of the case")}]
    with transaction.atomic():
        try:
            dispute = dispute_record(
                actor=actor,
                area=grid,
                title=case.title,
                dispute_type=CASE_TYPES.get(case.category.code, DisputeType.OTHER),
                description=case.description,
                risk_level=risk_level,
                risk_reason=risk_reason or _("Assessed when the case was reported"),
                source=Source.CASE,
                parties=parties,
                case=case,
            )
        except IntegrityError as exc:
            raise ValidationError({"case": [_("This case is already a dispute.")]}) from exc
        case_note(
            case_id=case.pk,
            actor=actor,
            text=_("Recorded as dispute %(number)s for mediation.") % {"number": dispute.number},
        )
    return dispute


def party_add(*, actor, dispute_id, party: dict) -> Party:
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        if dispute.status in (Status.SETTLED, Status.CLOSED):
            raise NotAllowedNow(_("The dispute is finished."))
        errors: dict = {}
        rows = _parties(actor, dispute.area, [party], errors)
        if errors:
            raise ValidationError({k.replace("parties.0", "party"): v for k, v in errors.items()})
        row = rows[0]
        row.dispute = dispute
        row.save()
        _event(EventKind.RECORDED, actor=actor, dispute=dispute, payload={"party": row.pk})
    return row


# --- Mediation --------------------------------------------------------------------------------------


def _locked(actor, dispute_id) -> Dispute:
    dispute = scoped(actor, Dispute.objects.select_for_update(of=("self",))).filter(pk=dispute_id).first()
    if dispute is None:
        raise Dispute.DoesNotExist
    if not may_write(actor, dispute.area_code):
        raise PermissionDenied(_("You may not act on this dispute."))
    return dispute


def allowed_steps(dispute, user) -> list[str]:
    """The steps that apply in the dispute's state and that the user may take (their inputs aside)."""
    return sorted(
        {
            t.name
            for t in dispute.get_all_status_transitions()
            if t.source in (dispute.status, "*") and t.has_perm(dispute, user)
        }
    )


def _step(dispute, actor, method_name, kind, *, comment="", payload=None) -> Dispute:
    method = getattr(dispute, method_name)
    if not has_transition_perm(method, actor):
        if can_proceed(method, check_conditions=False):
            raise PermissionDenied(_("You may not act on this dispute."))
        raise NotAllowedNow(
            _("This step does not apply to a dispute that is “%(status)s”.")
            % {"status": dispute.get_status_display()},
            allowed_steps(dispute, actor),
        )
    before = dispute.status
    method()
    dispute.save()
    _event(
        kind,
        actor=actor,
        dispute=dispute,
        from_status=before,
        to_status=dispute.status,
        comment=comment,
        payload=payload or {},
    )
    return dispute


def _applies(dispute, method_name, actor):
    """Refuse a step that does not apply in the dispute's state, before its inputs are checked."""
    if not can_proceed(getattr(dispute, method_name), check_conditions=False):
        raise NotAllowedNow(
            _("This step does not apply to a dispute that is “%(status)s”.")
            % {"status": dispute.get_status_display()},
            allowed_steps(dispute, actor),
        )


def dispute_start(*, actor, dispute_id, mediator) -> Dispute:
    """Mediation begins, led by a mediator serving the dispute's grid; a dispute needs two parties."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "start", actor)
        errors: dict = {}
        if mediator is None or not mediators_for(dispute.area_code).filter(pk=mediator.pk).exists():
            errors["mediator"] = [_("Choose an active mediator serving this grid.")]
        if dispute.parties.count() < 2:
            errors["parties"] = [_("A mediation needs both sides: add the other party first.")]
        if errors:
            raise ValidationError(errors)
        dispute.mediator = mediator
        dispute.mediation_started_at = timezone.now()
        return _step(dispute, actor, "start", EventKind.STARTED, payload={"mediator": mediator.pk})


def session_record(*, actor, dispute_id, held_at, place, notes, mediators=(), present=()) -> Session:
    """A mediation session with its date, place, who attended and notes. An open dispute starts mediating
    with its first session (led by the first mediator present); a finished one takes none."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        if dispute.status not in SESSION_STATES:
            raise NotAllowedNow(
                _("A dispute that is “%(status)s” takes no more sessions.")
                % {"status": dispute.get_status_display()},
                allowed_steps(dispute, actor),
            )
        errors: dict = {}
        if held_at is None:
            errors["held_at"] = [_("Give the date and time of the session.")]
        elif held_at > timezone.now() + timedelta(minutes=5):
            errors["held_at"] = [_("Record a session once it has been held.")]
        _required(errors, "place", place)
        _required(errors, "notes", notes, _("Write what was said and agreed."))
        serving = set(mediators_for(dispute.area_code).values_list("pk", flat=True))
        mediator_ids = [getattr(m, "pk", m) for m in mediators]
        if not mediator_ids or not set(mediator_ids) <= serving:
            errors["mediators"] = [_("Choose the mediators present, from those serving this grid.")]
        party_ids = [getattr(p, "pk", p) for p in present]
        own = set(dispute.parties.values_list("pk", flat=True))
        if not set(party_ids) <= own:
            errors["present"] = [_("Only this dispute's parties attend its sessions.")]
        if dispute.status == Status.OPEN and len(own) < 2:
            errors["parties"] = [_("A mediation needs both sides: add the other party first.")]
        if errors:
            raise ValidationError(errors)
        if dispute.status == Status.OPEN:
            dispute.mediator_id = mediator_ids[0]
            dispute.mediation_started_at = timezone.now()
            _step(dispute, actor, "start", EventKind.STARTED, payload={"mediator": mediator_ids[0]})
        session = Session.objects.create(
            dispute=dispute,
            held_at=held_at,
            place=place.strip()[:120],
            notes=notes.strip(),
            recorded_by=actor,
        )
        session.mediators.set(mediator_ids)
        session.present.set(party_ids)
        _event(
            EventKind.SESSION,
            actor=actor,
            dispute=dispute,
            payload={"session": session.pk, "present": sorted(party_ids), "mediators": sorted(mediator_ids)},
        )
    return session


CONCLUSIONS = {
    Status.AGREEMENT: "agree",
    Status.PARTIAL: "agree_partly",
    Status.FAILED: "fail",
    Status.REFERRED: "refer",
}


def dispute_conclude(*, actor, dispute_id, outcome, note="", agreement_text="", referred_to="") -> Dispute:
    """The mediation's outcome: an agreement (its text), a partial one, a failure, or a referral to the
    court, police or petition office."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "fail", actor)
        errors: dict = {}
        if outcome not in CONCLUSIONS:
            errors["outcome"] = [_("Choose the outcome.")]
        if outcome in (Status.AGREEMENT, Status.PARTIAL):
            _required(errors, "agreement_text", agreement_text, _("Write the terms the parties agreed."))
        if outcome == Status.REFERRED and referred_to not in ReferredTo.values[1:]:
            errors["referred_to"] = [_("Refer to the court, the police or the petition office.")]
        if not dispute.sessions.exists():
            errors["outcome"] = [_("Record the mediation session first.")]
        if errors:
            raise ValidationError(errors)
        dispute.outcome_note = (note or "").strip()
        if outcome in (Status.AGREEMENT, Status.PARTIAL):
            dispute.agreement_text = agreement_text.strip()
        if outcome == Status.REFERRED:
            dispute.referred_to = referred_to
        dispute.concluded_at = timezone.now()
        return _step(
            dispute,
            actor,
            CONCLUSIONS[outcome],
            EventKind.REFERRED if outcome == Status.REFERRED else EventKind.CONCLUDED,
            comment=dispute.outcome_note,
            payload={"outcome": outcome} | ({"to": referred_to} if referred_to else {}),
        )


def dispute_refer(*, actor, dispute_id, referred_to, note="") -> Dispute:
    """A failed mediation handed to the court, police or petition office."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "refer", actor)
        if referred_to not in ReferredTo.values[1:]:
            raise ValidationError(
                {"referred_to": [_("Refer to the court, the police or the petition office.")]}
            )
        dispute.referred_to = referred_to
        if note:
            dispute.outcome_note = note.strip()
        return _step(
            dispute, actor, "refer", EventKind.REFERRED, comment=note or "", payload={"to": referred_to}
        )


def dispute_resume(*, actor, dispute_id, reason="") -> Dispute:
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "resume", actor)
        return _step(dispute, actor, "resume", EventKind.RESUMED, comment=(reason or "").strip())


def _upload_kind(upload) -> str:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return DOCUMENT if head.startswith(b"%PDF-") else IMAGE


def signature_record(*, actor, dispute_id, party_id, upload) -> Signature:
    """A party's signed agreement page (photo or PDF), checked by the project's upload rules."""
    with files_removed_on_failure(), transaction.atomic():
        dispute = _locked(actor, dispute_id)
        if dispute.status not in (Status.AGREEMENT, Status.PARTIAL):
            raise NotAllowedNow(_("Signatures are recorded on an agreement."), allowed_steps(dispute, actor))
        party = dispute.parties.filter(pk=party_id).first()
        if party is None:
            raise ValidationError({"party": [_("Choose one of this dispute's parties.")]})
        if upload is None:
            raise ValidationError({"file": [_("Attach the signed page.")]})
        try:
            inspected = inspect_upload(upload, kind=_upload_kind(upload))
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        signature = Signature(dispute=dispute, party=party, uploaded_by=actor)
        if inspected.kind == IMAGE:
            image = process_image(upload)
            data, name, signature.mime = image.content, "signature.jpg", image.mime
        else:
            upload.seek(0)
            data, name, signature.mime = upload.read(), "signature.pdf", inspected.mime
        signature.size, signature.sha256 = len(data), content_sha256(data)
        signature.file.save(name, ContentFile(data), save=False)
        file_written(signature.file)
        signature.save()
        _event(
            EventKind.SIGNED,
            actor=actor,
            dispute=dispute,
            payload={"party": party.pk, "sha256": signature.sha256},
        )
    return signature


def unsigned_parties(dispute) -> list[Party]:
    signed = set(dispute.signatures.values_list("party_id", flat=True))
    return [p for p in dispute.parties.all() if p.pk not in signed]


def dispute_follow(*, actor, dispute_id) -> Dispute:
    """An agreement every party signed enters follow-up: visits are set at ``FOLLOW_UP_DAYS``."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "follow", actor)
        missing = unsigned_parties(dispute)
        if missing:
            raise ValidationError(
                {
                    "signatures": [
                        _("Not signed yet: %(names)s.") % {"names": "、".join(p.name for p in missing)}
                    ]
                }
            )
        today = timezone.localdate()
        dispute.follow_up_started_at = timezone.now()
        FollowUp.objects.bulk_create(
            [FollowUp(dispute=dispute, due_on=today + timedelta(days=d)) for d in FOLLOW_UP_DAYS]
        )
        return _step(dispute, actor, "follow", EventKind.FOLLOW_UP, payload={"days": list(FOLLOW_UP_DAYS)})


def follow_up_visit(*, actor, dispute_id, holding: bool, note: str) -> FollowUp:
    """The next due follow-up visit, done: does the agreement hold?"""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        if dispute.status != Status.FOLLOW_UP:
            raise NotAllowedNow(
                _("Follow-up visits are made while the dispute is in follow-up."),
                allowed_steps(dispute, actor),
            )
        if holding is None:
            raise ValidationError({"holding": [_("Say whether the agreement holds.")]})
        if not (note or "").strip():
            raise ValidationError({"note": [_("Write what the visit found.")]})
        visit = dispute.follow_ups.filter(visited_at__isnull=True).order_by("due_on", "id").first()
        if visit is None:
            visit = FollowUp(dispute=dispute, due_on=timezone.localdate())
        visit.visited_at, visit.visited_by, visit.holding, visit.note = (
            timezone.now(),
            actor,
            holding,
            note.strip(),
        )
        visit.save()
        _event(
            EventKind.VISITED,
            actor=actor,
            dispute=dispute,
            comment=visit.note,
            payload={"follow_up": visit.pk, "holding": holding},
        )
    return visit


def dispute_settle(*, actor, dispute_id, note="") -> Dispute:
    """Follow-up ends: settled, once a visit found the agreement holding (and none since found otherwise)."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "settle", actor)
        last = dispute.follow_ups.filter(visited_at__isnull=False).order_by("-visited_at", "-id").first()
        if last is None or not last.holding:
            raise ValidationError(
                {"follow_up": [_("Settle once a follow-up visit found the agreement holding.")]}
            )
        dispute.settled_at = timezone.now()
        return _step(dispute, actor, "settle", EventKind.SETTLED, comment=(note or "").strip())


def dispute_close(*, actor, dispute_id, reason) -> Dispute:
    """An open dispute withdrawn, or a failed or referred one closed, with the reason."""
    with transaction.atomic():
        dispute = _locked(actor, dispute_id)
        _applies(dispute, "close", actor)
        if not (reason or "").strip():
            raise ValidationError({"reason": [_("Give the reason for closing.")]})
        dispute.close_reason = reason.strip()[:200]
        dispute.closed_at = timezone.now()
        return _step(dispute, actor, "close", EventKind.CLOSED, comment=dispute.close_reason)

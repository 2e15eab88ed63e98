"""Writes of the command centre: whistles (吹哨报到), co-handling (主办/协办), routing rules, inbox reads.

Writes that touch a case lock its row first and append their event to its hash-chained timeline, like
the services in ``cases/services.py``; notices and the ``case_changed`` signal go out on commit.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import signals
from cases.events import event_append
from cases.models import Case, CaseLevel
from cases.workflow import FINAL, Status, condition, is_case_unit
from grids.models import Area, Level, Role
from grids.scope import reach
from worktime import calendar as working

from .models import (
    ArrivalStatus,
    AssistStatus,
    CaseAssist,
    Notification,
    RoutingRule,
    TeamKind,
    Whistle,
    WhistleCall,
)
from .notifications import Message, notify
from .recipients import Audience, CaseRef

log = logging.getLogger(__name__)

WHISTLE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
RULE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
DEFAULT_ARRIVAL_MINUTES = 30
DEFAULT_ASSIST_LIMIT = (Decimal("1"), working.WORKING_DAYS)


def _locked_case(case_id) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("handling_area", "category")
        .get(pk=case_id)
    )


def _superuser(user):
    return bool(getattr(user, "is_superuser", False))


def _handles_department(user, department_id) -> bool:
    return _superuser(user) or department_id in reach(user).department_ids


def _changed(case_id, kind):
    def send():
        try:
            signals.case_changed.send(sender=Case, case_id=case_id, kind=kind, notified=True)
        except Exception:
            log.exception("case_changed listener failed for case %s (%s)", case_id, kind)

    transaction.on_commit(send)


def _departments(departments, field="departments"):
    departments = list({d.pk: d for d in departments}.values())
    if not departments:
        raise ValidationError({field: [_("Choose at least one department.")]})
    inactive = [d.name for d in departments if not d.is_active]
    if inactive:
        raise ValidationError(
            {field: [_("Inactive department: %(names)s.") % {"names": ", ".join(inactive)}]}
        )
    return departments


# --- Whistle (吹哨报到) ---------------------------------------------------------------------------


def _summoning_area(actor, case):
    """The deepest street or community unit of the actor's that covers the case (the one that whistles)."""
    codes = [c for c in reach(actor).codes(WHISTLE_ROLES) if case.area_code.startswith(c)]
    if not codes:
        if not _superuser(actor):
            return None
        codes = [case.area_code[:9]]
    return Area.objects.get(code=max(codes, key=len))


def whistle_summon(
    *, case_id, actor, departments, reason, minutes=DEFAULT_ARRIVAL_MINUTES, at=None
) -> Whistle:
    """Street or community staff summon departments to a case's site; each must report arrival in time."""
    at = at or timezone.now()
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("A reason is required.")]
    if not 1 <= int(minutes) <= 24 * 60:
        errors["minutes"] = [_("The arrival limit must lie between 1 minute and 24 hours.")]
    if errors:
        raise ValidationError(errors)
    departments = _departments(departments)
    with transaction.atomic():
        case = _locked_case(case_id)
        area = _summoning_area(actor, case)
        if area is None:
            raise PermissionDenied(_("Only street or community staff over this case may whistle."))
        if case.status in FINAL:
            raise ValidationError({"__all__": [_("A finished case cannot be whistled.")]})
        arrive_by = at + timedelta(minutes=int(minutes))
        whistle = Whistle.objects.create(
            case=case, area=area, summoned_by=actor, reason=reason.strip(), arrive_by=arrive_by, created_at=at
        )
        WhistleCall.objects.bulk_create(
            [WhistleCall(whistle=whistle, department=d, arrive_by=arrive_by) for d in departments]
        )
        event = event_append(
            case=case,
            kind="whistle",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=whistle.reason,
            at=at,
            payload={
                "whistle": whistle.pk,
                "area": area.code,
                "arrive_by": arrive_by,
                "departments": [d.pk for d in departments],
            },
        )
        audience = Audience([CaseRef.of(case)], extra_department_ids=[d.pk for d in departments])
        title = _("Whistle: report on site for case %(number)s by %(time)s") % {
            "number": case.number,
            "time": timezone.localtime(arrive_by).strftime("%H:%M"),
        }
        notify(
            [
                Message(
                    recipients=audience.department_handlers(d.pk),
                    kind="whistle",
                    title=title,
                    body=f"{whistle.reason}\n{case.title} {case.address}".strip(),
                    key=f"case:{case.pk}:event:{event.seq}",
                    case_id=case.pk,
                    priority=1,
                )
                for d in departments
            ],
            at=at,
        )
        _changed(case.pk, "whistle")
        return whistle


def whistle_arrive(*, call_id, actor, lat=None, lon=None, note="", at=None) -> WhistleCall:
    """A summoned department reports on site (报到): who, when, where. Late arrivals are recorded as late."""
    at = at or timezone.now()
    with transaction.atomic():
        call = WhistleCall.objects.select_related("whistle").get(pk=call_id)
        if not _handles_department(actor, call.department_id):
            raise PermissionDenied(_("Only the summoned department reports its arrival."))
        case = _locked_case(call.whistle.case_id)
        call = WhistleCall.objects.select_for_update().get(pk=call_id)
        if call.status not in (ArrivalStatus.PENDING, ArrivalStatus.MISSING):
            raise ValidationError({"__all__": [_("This arrival was already reported.")]})
        if (lat is None) != (lon is None):
            raise ValidationError({"lat": [_("Give both latitude and longitude, or neither.")]})
        call.status = ArrivalStatus.ARRIVED if at <= call.arrive_by else ArrivalStatus.LATE
        call.arrived_at, call.arrived_by, call.arrival_lat, call.arrival_lon = at, actor, lat, lon
        call.arrival_note = (note or "")[:200]
        call.save()
        event_append(
            case=case,
            kind="whistle_arrive",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=call.arrival_note,
            at=at,
            payload={
                "whistle": call.whistle_id,
                "department": call.department_id,
                "status": call.status,
                "lat": lat,
                "lon": lon,
                "late_minutes": _late_minutes(call),
            },
        )
        _changed(case.pk, "whistle_arrive")
        return call


def _late_minutes(call):
    return max(0, int((call.arrived_at - call.arrive_by).total_seconds() // 60))


def whistles_mark_missing(*, now) -> int:
    """Summoned departments that did not report by the deadline are recorded as missing (for assessment)."""
    due = list(
        WhistleCall.objects.filter(status=ArrivalStatus.PENDING, arrive_by__lte=now)
        .select_related("whistle")
        .order_by("arrive_by", "id")[:500]
    )
    marked = 0
    for call in due:
        with transaction.atomic():
            case = _locked_case(call.whistle.case_id)
            if not WhistleCall.objects.filter(pk=call.pk, status=ArrivalStatus.PENDING).update(
                status=ArrivalStatus.MISSING
            ):
                continue  # arrived, or another sweep marked it
            marked += 1
            event_append(
                case=case,
                kind="whistle_missing",
                from_status=case.status,
                to_status=case.status,
                at=now,
                payload={"whistle": call.whistle_id, "department": call.department_id},
            )
            if call.whistle.summoned_by_id:
                notify(
                    [
                        Message(
                            recipients={call.whistle.summoned_by_id},
                            kind="whistle_missing",
                            case_id=case.pk,
                            title=_("%(department)s did not report on site for case %(number)s")
                            % {"department": call.department.name, "number": case.number},
                            key=f"whistle-call:{call.pk}:missing",
                        )
                    ],
                    at=now,
                )
            _changed(case.pk, "whistle_missing")
    return marked


# --- Co-handling (主办/协办) ------------------------------------------------------------------------


def assist_request(*, case_id, actor, departments, amount=None, unit=None, at=None) -> list[CaseAssist]:
    """The case's unit adds assisting departments (协办) to a dispatched case; each must answer in time."""
    at = at or timezone.now()
    departments = _departments(departments)
    amount, unit = (Decimal(str(amount)), unit) if amount is not None else DEFAULT_ASSIST_LIMIT
    working.check_unit(unit)
    if amount <= 0:
        raise ValidationError({"amount": [_("Give a positive amount of time.")]})
    with transaction.atomic():
        case = _locked_case(case_id)
        if not is_case_unit(case, actor):
            raise PermissionDenied(_("Only the case's unit may add assisting departments."))
        if case.status not in (Status.DISPATCHED, Status.ACCEPTED):
            raise ValidationError({"__all__": [_("Assisting departments join a dispatched case.")]})
        if any(d.pk == case.handling_department_id for d in departments):
            raise ValidationError({"departments": [_("The lead department cannot also assist.")]})
        due_at = working.add_working_time(at, amount, unit, case.area)
        existing = set(CaseAssist.objects.filter(case=case).values_list("department_id", flat=True))
        assists = CaseAssist.objects.bulk_create(
            [
                CaseAssist(case=case, department=d, due_at=due_at, requested_by=actor)
                for d in departments
                if d.pk not in existing
            ]
        )
        if not assists:
            raise ValidationError({"departments": [_("These departments already assist on this case.")]})
        event = event_append(
            case=case,
            kind="assist_request",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            at=at,
            payload={"departments": [a.department_id for a in assists], "due_at": due_at},
        )
        audience = Audience([CaseRef.of(case)], extra_department_ids=[a.department_id for a in assists])
        notify(
            [
                Message(
                    recipients=audience.department_handlers(a.department_id),
                    kind="assist_request",
                    title=_("Assist on case %(number)s (lead: %(lead)s)")
                    % {"number": case.number, "lead": _lead_name(case)},
                    body=case.title,
                    key=f"case:{case.pk}:event:{event.seq}",
                    case_id=case.pk,
                    priority=int(case.is_supervised),
                )
                for a in assists
            ],
            at=at,
        )
        _changed(case.pk, "assist_request")
        return assists


def _lead_name(case):
    if case.handling_department_id:
        return case.handling_department.name
    return case.handling_area.name if case.handling_area_id else "—"


def assist_answer(*, assist_id, actor, answer, at=None) -> CaseAssist:
    """An assisting department answers (its part done, or what it found)."""
    at = at or timezone.now()
    if not (answer or "").strip():
        raise ValidationError({"answer": [_("An answer is required.")]})
    with transaction.atomic():
        assist = CaseAssist.objects.get(pk=assist_id)
        if not _handles_department(actor, assist.department_id):
            raise PermissionDenied(_("Only the assisting department answers."))
        case = _locked_case(assist.case_id)
        if not CaseAssist.objects.filter(pk=assist.pk, status=AssistStatus.PENDING).update(
            status=AssistStatus.ANSWERED, answer=answer.strip(), answered_by=actor, answered_at=at
        ):
            raise ValidationError({"__all__": [_("This request was already answered or has timed out.")]})
        event_append(
            case=case,
            kind="assist_answer",
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            comment=answer.strip(),
            at=at,
            payload={"assist": assist.pk, "department": assist.department_id},
        )
        _changed(case.pk, "assist_answer")
        assist.refresh_from_db()
        return assist


def assists_time_out(*, now) -> int:
    """Assisting departments that did not answer by their deadline time out (the lead is not held up)."""
    due = list(
        CaseAssist.objects.filter(status=AssistStatus.PENDING, due_at__lte=now).order_by("due_at", "id")[:500]
    )
    done = 0
    for assist in due:
        with transaction.atomic():
            case = _locked_case(assist.case_id)
            if not CaseAssist.objects.filter(pk=assist.pk, status=AssistStatus.PENDING).update(
                status=AssistStatus.TIMED_OUT
            ):
                continue
            done += 1
            event_append(
                case=case,
                kind="assist_timeout",
                from_status=case.status,
                to_status=case.status,
                at=now,
                payload={"assist": assist.pk, "department": assist.department_id},
            )
            _changed(case.pk, "assist_timeout")
    return done


def co_handling_settled(case) -> bool:
    """The assistants' part of "handled": every assisting department answered or timed out."""
    return not CaseAssist.objects.filter(case_id=case.pk, status=AssistStatus.PENDING).exists()


@condition(gettext_lazy("Assisting departments have not all answered yet."))
def assistants_settled(case, inputs) -> bool:
    """Co-handling (主办/协办): the lead's feedback counts once every assistant answered or timed out.
    Added to the ``feedback`` transition's conditions by ``DispatchConfig.ready``. A caller that knows the
    answer (``inputs.assists_settled``, the demo's new cases) spares the query."""
    if inputs.assists_settled is not None:
        return inputs.assists_settled
    return co_handling_settled(case)


# --- Routing rules ---------------------------------------------------------------------------------


def _may_write_rules(actor, owner_area) -> bool:
    return _superuser(actor) or reach(actor).covers(owner_area.code, RULE_ROLES)


def _rule_check(*, category, owner_area, area, level, department, team):
    errors = {}
    if category.is_major or not category.is_active:
        errors["category"] = [_("Choose an active minor category.")]
    if owner_area.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        errors["owner_area"] = [_("Rules belong to a district, street or community unit.")]
    if area is not None and not area.code.startswith(owner_area.code):
        errors["area"] = [_("The area must lie inside the owner's area.")]
    if level and level not in CaseLevel.values:
        errors["level"] = [_("Unknown level.")]
    if bool(department) == bool(team):
        errors["department"] = [_("Choose either a department or the case's own team.")]
    if team and team not in TeamKind.values:
        errors["team"] = [_("Unknown team.")]
    if department is not None and not department.is_active:
        errors["department"] = [_("This department is inactive.")]
    if errors:
        raise ValidationError(errors)


def routing_rule_save(
    *,
    actor,
    rule=None,
    category,
    owner_area,
    area=None,
    level="",
    department=None,
    team="",
    priority=100,
    is_active=True,
) -> RoutingRule:
    """Create or change a routing rule in the actor's own area."""
    if not _may_write_rules(actor, owner_area) or (
        rule is not None and not _may_write_rules(actor, rule.owner_area)
    ):
        raise PermissionDenied(_("You may not change routing rules here."))
    _rule_check(
        category=category, owner_area=owner_area, area=area, level=level, department=department, team=team
    )
    rule = rule or RoutingRule()
    for name, value in dict(
        category=category,
        owner_area=owner_area,
        area=area,
        level=level or "",
        department=department,
        team=team or "",
        priority=priority,
        is_active=is_active,
    ).items():
        setattr(rule, name, value)
    with transaction.atomic():
        rule.save()
    log.info("routing rule %s saved by %s", rule.pk, getattr(actor, "pk", None))
    return rule


def routing_rule_delete(*, actor, rule) -> None:
    if not _may_write_rules(actor, rule.owner_area):
        raise PermissionDenied(_("You may not change routing rules here."))
    log.info("routing rule %s deleted by %s", rule.pk, getattr(actor, "pk", None))
    rule.delete()


# --- Inbox -----------------------------------------------------------------------------------------


def notifications_mark_read(*, actor, ids=None, at=None) -> int:
    """Mark the actor's notifications read (the given ones, or all). Others' notifications are untouched."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=at or timezone.now())

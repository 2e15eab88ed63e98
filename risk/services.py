"""Writes of the risk app: the district's settings, the daily (or on-demand) recomputation of scores,
hotspots and warnings, and a warning's acknowledgement and closing. Each is one atomic function."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.notifications import Message, notify
from grids.models import CODE_LENGTH, Area, Department, Level, Membership, Role, code_range_q
from grids.scope import reach

from . import predict, routing, rules
from .components import COMPONENTS, Context
from .hotspots import hotspots_find
from .models import (
    Hotspot,
    RiskLevel,
    RiskScore,
    RiskSettings,
    RiskWarning,
    RiskWarningEvent,
    WarningEventKind,
)

CENT = Decimal("0.01")
SETTING_FIELDS = (
    "window_days",
    "yellow_at",
    "red_at",
    "hotspot_cell_m",
    "hotspot_min_cases",
    "rising_factor",
    "rising_min_cases",
    "visit_grace_days",
)
HOTSPOT_CASES_KEPT = 50  # a hotspot lists its latest 50 cases (its count is all of them)
HANDLING_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)


def settings_for(district: Area) -> RiskSettings:
    found, _created = RiskSettings.objects.get_or_create(district=district)
    return found


def is_centre(user, district: Area) -> bool:
    r = reach(user)
    return r.is_superuser or r.covers(district.code, [Role.DISTRICT_CENTRE])


def weight_of(settings: RiskSettings, key: str) -> Decimal:
    value = settings.weights.get(key)
    return Decimal(str(COMPONENTS[key].default_weight if value is None else value))


def settings_update(*, district: Area, actor, weights: dict | None = None, **fields) -> RiskSettings:
    """The centre sets the weights and thresholds; refused field by field, nothing half-saved."""
    if not is_centre(actor, district):
        raise PermissionDenied
    errors: dict[str, list] = {}
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        errors["weights"] = [_("Unknown components: %(keys)s.") % {"keys": ", ".join(unknown)}]
    for key, value in weights.items():
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = Decimal(-1)
        if not number.is_finite() or number < 0 or number > 100:
            errors.setdefault("weights", []).append(
                _("The weight of %(key)s must be a number from 0 to 100.") % {"key": key}
            )
        else:
            weights[key] = float(number)
    yellow, red = fields.get("yellow_at"), fields.get("red_at")
    if yellow is not None and red is not None and Decimal(str(yellow)) >= Decimal(str(red)):
        errors["red_at"] = [_("The red threshold must be above the yellow one.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = RiskSettings.objects.select_for_update().filter(pk=settings_for(district).pk).get()
        found.weights = {**found.weights, **weights}
        for name in SETTING_FIELDS:
            if name in fields and fields[name] is not None:
                setattr(found, name, fields[name])
        found.updated_by = actor
        found.save()
    return found


def level_of(score: Decimal, settings: RiskSettings) -> str:
    if score >= settings.red_at:
        return RiskLevel.RED
    if score >= settings.yellow_at:
        return RiskLevel.YELLOW
    return RiskLevel.GREEN


def score_of(values: dict, settings: RiskSettings) -> tuple[Decimal, list]:
    """Σ weight × value over the registered components, and the parts (each component's line)."""
    parts, total = [], Decimal(0)
    for key in COMPONENTS:
        value = Decimal(str(values.get(key, 0)))
        weight = weight_of(settings, key)
        points = (weight * value).quantize(CENT, ROUND_HALF_UP)
        total += points
        parts.append({"key": key, "value": float(value), "weight": float(weight), "points": float(points)})
    return total, parts


def risk_recompute(*, district: Area, actor=None, now=None) -> dict:
    """Recompute the district's grid scores, hotspots and warnings for today (the sweep passes no actor; a
    person must be the district centre). Replaces today's scores and hotspots; opens new warnings only."""
    if actor is not None and not is_centre(actor, district):
        raise PermissionDenied
    now = now or timezone.now()
    s = settings_for(district)
    day = timezone.localdate(now)
    ctx = Context(
        district_code=district.code, day=day, start=now - timedelta(days=s.window_days), end=now, settings=s
    )
    ctx.hotspots = hotspots_find(
        district_code=district.code,
        start=ctx.start,
        end=ctx.end,
        cell_m=s.hotspot_cell_m,
        min_cases=s.hotspot_min_cases,
        lat0=district.centroid_lat or 30.0,
        keep=HOTSPOT_CASES_KEPT,
    )
    values = {key: component.fn(ctx) for key, component in COMPONENTS.items()}
    grids = dict(
        Area.objects.filter(
            code_range_q("code", district.code), level=Level.GRID, is_active=True
        ).values_list("code", "id")
    )
    scores = []
    for code, area_id in grids.items():
        total, parts = score_of({key: found.get(code, 0) for key, found in values.items()}, s)
        scores.append(
            RiskScore(
                area_id=area_id,
                area_code=code,
                day=day,
                score=total,
                level=level_of(total, s),
                components=parts,
                computed_at=now,
            )
        )
    drafts = [draft for rule in rules.RULES for draft in rule(ctx)]
    # The case lists' predicted overdue (§17.1) reads these stored rates: refreshed with the scores.
    rates = predict.rates_refresh(now)
    with transaction.atomic():
        RiskScore.objects.filter(code_range_q("area_code", district.code), day=day).delete()
        RiskScore.objects.bulk_create(scores, batch_size=1000)
        _hotspots_replace(district, day, ctx.hotspots, grids)
        opened = _warnings_open(district, drafts, now)
    return {
        "day": day.isoformat(),
        "grids": len(scores),
        "red": sum(1 for r in scores if r.level == RiskLevel.RED),
        "yellow": sum(1 for r in scores if r.level == RiskLevel.YELLOW),
        "hotspots": len(ctx.hotspots),
        "warnings_opened": opened,
        "overdue_rates": rates,
    }


def _hotspots_replace(district, day, clusters, grids):
    Hotspot.objects.filter(district_code=district.code, day=day).delete()
    rows = [
        Hotspot(
            district_code=district.code,
            area_id=grids.get(c.grid_code) or district.pk,
            area_code=c.grid_code if c.grid_code in grids else district.code,
            category_id=c.category_id,
            day=day,
            lat=c.lat,
            lon=c.lon,
            case_count=c.case_count,
            first_at=c.first_at,
            last_at=c.last_at,
            key=c.key,
        )
        for c in clusters
    ]
    Hotspot.objects.bulk_create(rows)
    through = Hotspot.cases.through
    through.objects.bulk_create(
        [
            through(hotspot_id=row.pk, case_id=case_id)
            for row, c in zip(rows, clusters, strict=True)
            for case_id in c.case_ids
        ],
        batch_size=2000,
    )


def _warnings_open(district, drafts, now) -> int:
    open_keys = set(
        RiskWarning.objects.filter(code_range_q("area_code", district.code))
        .exclude(status=RiskWarning.Status.CLOSED)
        .values_list("key", flat=True)
    )
    codes = {code for _rule, _key, code, _facts in drafts}
    areas = dict(Area.objects.filter(code__in=codes).values_list("code", "id"))
    fresh, seen = [], set(open_keys)
    for draft in drafts:
        _rule, key, code, _facts = draft
        if key in seen or code not in areas:
            continue
        seen.add(key)
        fresh.append(draft)
    if not fresh:
        return 0
    new = [
        RiskWarning(
            rule=rule,
            key=key,
            area_id=areas[code],
            area_code=code,
            facts=facts,
            opened_at=now,
            due_at=routing.due_at(rule, now, code),
            **unit.fields(),
        )
        for (rule, key, code, facts), unit in zip(fresh, routing.units_for(fresh), strict=True)
    ]
    RiskWarning.objects.bulk_create(new, batch_size=1000)
    RiskWarningEvent.objects.bulk_create(
        [RiskWarningEvent(warning=w, kind=WarningEventKind.OPENED, at=now) for w in new]
    )
    centre = set(
        Membership.objects.filter(
            is_active=True, role=Role.DISTRICT_CENTRE, area__code=district.code
        ).values_list("user_id", flat=True)
    )
    messages = _unit_messages(new, "opened", now)
    if centre:
        messages.append(
            Message(
                recipients=centre,
                kind="risk_warnings",
                title=_("%(n)d new early warnings") % {"n": len(new)},
                key=f"risk-warnings:{district.code}:{timezone.localdate(now).isoformat()}:{len(new)}",
            )
        )
    notify(messages, at=now)
    return len(new)


def _unit_messages(warnings, step: str, now) -> list[Message]:
    """One notice per warning to the people of its unit (through the one outbox, ``notify``)."""
    found = routing.recipients(
        {w.unit_area_id for w in warnings if w.unit_area_id},
        {w.unit_department_id for w in warnings if w.unit_department_id},
    )
    messages = []
    for w in warnings:
        unit = ("d", w.unit_department_id) if w.unit_department_id else ("a", w.unit_area_id)
        people = found.get(unit)
        if not people:
            continue
        messages.append(
            Message(
                recipients=people,
                kind="risk_warning",
                title=_("Early warning for your unit: %(rule)s") % {"rule": w.get_rule_display()},
                body=w.reason,
                key=f"risk-warning:{w.pk}:{step}:{w.escalation_level}:{now.timestamp():.0f}",
            )
        )
    return messages


def may_handle(user, warning: RiskWarning) -> bool:
    """The centre of the warning's district, and its unit: the department's handlers, or staff of the unit's
    area or above. A warning opened before it had a unit: staff whose area holds it."""
    r = reach(user)
    if r.is_superuser or r.covers(warning.area_code[: CODE_LENGTH[Level.DISTRICT]], [Role.DISTRICT_CENTRE]):
        return True
    if warning.unit_department_id:
        return warning.unit_department_id in r.department_ids
    return r.covers(warning.unit_code or warning.area_code, HANDLING_ROLES)


def _locked(warning_id, actor) -> RiskWarning:
    warning = RiskWarning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise RiskWarning.DoesNotExist
    if not may_handle(actor, warning):
        raise PermissionDenied
    return warning


def warning_acknowledge(*, warning_id: int, actor, comment: str = "") -> RiskWarning:
    """Someone responsible has seen the warning (签收)."""
    with transaction.atomic():
        warning = _locked(warning_id, actor)
        if warning.status != RiskWarning.Status.OPEN:
            raise ValidationError({"status": [_("Only an open warning can be acknowledged.")]})
        warning.status = RiskWarning.Status.ACKNOWLEDGED
        warning.acknowledged_at, warning.acknowledged_by = timezone.now(), actor
        warning.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        RiskWarningEvent(
            warning=warning, kind=WarningEventKind.ACKNOWLEDGED, actor=actor, comment=comment
        ).save()
    return warning


def warning_close(*, warning_id: int, actor, outcome: str) -> RiskWarning:
    """Close the warning with what was done about it (an outcome is required)."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Say what was done about the warning.")]})
    with transaction.atomic():
        warning = _locked(warning_id, actor)
        if warning.status == RiskWarning.Status.CLOSED:
            raise ValidationError({"status": [_("The warning is already closed.")]})
        now = timezone.now()
        if warning.acknowledged_at is None:
            warning.acknowledged_at, warning.acknowledged_by = now, actor
        warning.status, warning.closed_at, warning.closed_by, warning.outcome = (
            RiskWarning.Status.CLOSED,
            now,
            actor,
            outcome[:2000],
        )
        warning.save()
        RiskWarningEvent(
            warning=warning, kind=WarningEventKind.CLOSED, actor=actor, comment=outcome[:2000]
        ).save()
    return warning


def _move(warning, unit: routing.Unit, kind, actor, comment, now) -> RiskWarning:
    """Give the warning to ``unit`` with a fresh deadline; its event and the unit's notice."""
    for name, value in unit.fields().items():
        setattr(warning, name, value)
    warning.due_at = routing.due_at(warning.rule, now, warning.area_code)
    if kind == WarningEventKind.ESCALATED:
        warning.escalation_level += 1
    warning.save()
    name = warning.unit_name
    RiskWarningEvent(
        warning=warning,
        kind=kind,
        actor=actor,
        at=now,
        comment=f"→ {name}" + (f": {comment}" if comment else ""),
    ).save()
    notify(_unit_messages([warning], kind, now), at=now)
    return warning


def warning_transfer(
    *, warning_id: int, actor, area_code: str = "", department_id=None, comment: str = ""
) -> RiskWarning:
    """Send the warning to another unit of its district (转办): a street, a community or a department. The
    centre or the unit holding it may; a reason is required."""
    comment = (comment or "").strip()[:2000]
    errors: dict = {}
    if not comment:
        errors["comment"] = [_("Say why the warning goes to another unit.")]
    if bool(area_code) == bool(department_id):
        errors["unit"] = [_("Choose one unit: a street, a community or a department.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        warning = _locked(warning_id, actor)
        if warning.status == RiskWarning.Status.CLOSED:
            raise ValidationError({"status": [_("The warning is already closed.")]})
        district = warning.area_code[: CODE_LENGTH[Level.DISTRICT]]
        unit = _unit_in(district, area_code, department_id)
        if unit is None:
            raise ValidationError(
                {"unit": [_("Choose a street, community or department of the warning's district.")]}
            )
        return _move(warning, unit, WarningEventKind.TRANSFERRED, actor, comment, timezone.now())


def _unit_in(district: str, area_code, department_id) -> routing.Unit | None:
    if department_id:
        try:
            department_id = int(department_id)
        except (TypeError, ValueError):
            return None
        found = Department.objects.filter(pk=department_id, is_active=True, area__code__startswith=district)
        return routing.Unit(department_id=department_id) if found.exists() else None
    area = Area.objects.filter(
        code=str(area_code)[:24],
        code__startswith=district,
        level__in=[Level.STREET, Level.COMMUNITY, Level.DISTRICT],
        is_active=True,
    ).first()
    return routing.Unit(area=area) if area else None


def warning_escalate(*, warning_id: int, actor=None, comment: str = "", now=None) -> RiskWarning | None:
    """Send the warning to the unit above (上报): community → street → centre; a department's → centre. The
    sweep passes no actor and escalates only a warning still past its deadline (compare-and-set under the
    lock, so two sweeps never escalate it twice); it returns None when there is nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        if actor is None:
            warning = RiskWarning.objects.select_for_update().filter(pk=warning_id).first()
            if warning is None or warning.status == RiskWarning.Status.CLOSED:
                return None
            if warning.due_at is None or warning.due_at > now:
                return None
        else:
            warning = _locked(warning_id, actor)
            if warning.status == RiskWarning.Status.CLOSED:
                raise ValidationError({"status": [_("The warning is already closed.")]})
        above = routing.unit_above(warning)
        if above is None:
            if actor is None:
                return None
            raise ValidationError({"unit": [_("The warning is already with the district centre.")]})
        comment = (comment or "").strip()[:2000] or ("" if actor else _("Past its deadline"))
        return _move(warning, routing.Unit(area=above), WarningEventKind.ESCALATED, actor, comment, now)


def warnings_escalate_overdue(*, now=None) -> int:
    """The sweep step: every warning past its deadline below the centre climbs one unit."""
    now = now or timezone.now()
    due = (
        RiskWarning.objects.exclude(status=RiskWarning.Status.CLOSED)
        .filter(due_at__lte=now)
        .exclude(unit_level=Level.DISTRICT)
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:500]
    )
    return sum(1 for pk in list(due) if warning_escalate(warning_id=pk, now=now) is not None)

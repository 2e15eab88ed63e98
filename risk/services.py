"""Writes of the risk app: the district's settings, the daily (or on-demand) recomputation of scores,
hotspots and warnings, and a warning's acknowledgement and closing. Each is one atomic function."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.notifications import Message, notify
from grids.models import Area, Level, Membership, Role, code_range_q
from grids.scope import reach

from . import rules
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
    new, seen = [], set(open_keys)
    for rule, key, code, facts in drafts:
        if key in seen or code not in areas:
            continue
        seen.add(key)
        new.append(
            RiskWarning(rule=rule, key=key, area_id=areas[code], area_code=code, facts=facts, opened_at=now)
        )
    if not new:
        return 0
    RiskWarning.objects.bulk_create(new, batch_size=1000)
    RiskWarningEvent.objects.bulk_create(
        [RiskWarningEvent(warning=w, kind=WarningEventKind.OPENED, at=now) for w in new]
    )
    centre = set(
        Membership.objects.filter(
            is_active=True, role=Role.DISTRICT_CENTRE, area__code=district.code
        ).values_list("user_id", flat=True)
    )
    if centre:
        notify(
            [
                Message(
                    recipients=centre,
                    kind="risk_warnings",
                    title=_("%(n)d new early warnings") % {"n": len(new)},
                    key=f"risk-warnings:{district.code}:{timezone.localdate(now).isoformat()}:{len(new)}",
                )
            ],
            at=now,
        )
    return len(new)


def _may_handle(user, warning: RiskWarning) -> bool:
    r = reach(user)
    return r.is_superuser or r.covers(warning.area_code, HANDLING_ROLES)


def _locked(warning_id, actor) -> RiskWarning:
    warning = RiskWarning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise RiskWarning.DoesNotExist
    if not _may_handle(actor, warning):
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

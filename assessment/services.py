"""Writes of the assessment: publishing a report snapshot, awarding a grid's stars."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, Level, Role
from grids.scope import Reach, reach

from .models import ReportSnapshot, Star, StarAward
from .records import month_bounds
from .report import report
from .selectors import ReportParams
from .stars import supporting_figures

log = logging.getLogger(__name__)
STAR_ROLES = [Role.DISTRICT_CENTRE, Role.STREET_STAFF]


def _system_user():
    user = get_user_model()(username="system", is_superuser=True)
    user._gridgov_reach = Reach(is_superuser=True)
    return user


def snapshot_publish(*, area: Area, month: int, now=None, kind="monthly") -> ReportSnapshot:
    """Publish (once) the report of ``area`` for the month YYYYMM, as of ``now``: the figures are frozen
    in the snapshot, so later changes to cases never change it. Publishing again returns the first."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    existing = ReportSnapshot.objects.filter(
        kind=kind, scope_code=area.code, period_start=start, period_end=end
    ).first()
    if existing:
        return existing
    level = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY}.get(area.level, Level.GRID)
    params = ReportParams(start=start, end=end, as_of=now, level=level, area=area)
    data = report(_system_user(), params)
    data["area"] = {"code": area.code, "name": area.name, "level": area.level}
    try:
        with transaction.atomic():
            return ReportSnapshot.objects.create(
                kind=kind,
                scope_code=area.code,
                period_start=start,
                period_end=end,
                as_of=now,
                generated_at=timezone.now(),
                data=data,
            )
    except IntegrityError:  # a concurrent run published it first
        return ReportSnapshot.objects.get(kind=kind, scope_code=area.code, period_start=start, period_end=end)


def monthly_reports_publish(*, month: int, now=None) -> list[ReportSnapshot]:
    """The district's and every street's report for a month (the beat task on the 1st)."""
    areas = Area.objects.filter(level__in=[Level.DISTRICT, Level.STREET], is_active=True).order_by("code")
    return [snapshot_publish(area=area, month=month, now=now) for area in areas]


def may_award_stars(user, grid: Area) -> bool:
    """The district centre over its district and street staff over their streets award stars."""
    return bool(user.is_superuser or reach(user).covers(grid.code, STAR_ROLES))


def star_award(*, actor, grid: Area, month: int, star: str, awarded: bool, note: str = "") -> StarAward:
    """Award (or withhold) one star of a grid for a month, keeping the supporting figures seen now."""
    errors = {}
    if grid.level != Level.GRID:
        errors["grid"] = [_("Stars are awarded to grids.")]
    if star not in Star.values:
        errors["star"] = [_("Unknown star.")]
    year, mon = divmod(int(month), 100)
    if not (1900 <= year <= 9999 and 1 <= mon <= 12):
        errors["month"] = [_("Enter a month as YYYY-MM.")]
    if errors:
        raise ValidationError(errors)
    if not may_award_stars(actor, grid):
        raise PermissionDenied(_("Only the district centre or the grid's street may award stars."))
    figures = supporting_figures(actor, grid, int(month)).get(star, {})
    with transaction.atomic():
        award, _created = StarAward.objects.select_for_update().update_or_create(
            grid=grid,
            period_month=int(month),
            star=star,
            defaults=dict(
                grid_code=grid.code,
                awarded=awarded,
                note=note,
                figures=figures,
                evaluator=actor,
                decided_at=timezone.now(),
            ),
        )
    log.info(
        "star %s of grid %s for %s %s by %s",
        star,
        grid.code,
        month,
        "awarded" if awarded else "withheld",
        actor.pk,
    )
    return award

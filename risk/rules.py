"""Early-warning rules (预警规则, docs/domain.md §9.3). Each rule reads the district in one grouped query and
returns drafts ``(rule, key, area_code, facts)``; ``services.risk_recompute`` opens a warning for each key
that has no warning open yet (so a pattern that persists is one warning, not one a day)."""

from collections import Counter
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case, Category
from cases.workflow import Status
from grids.models import Area, code_range_q
from residents.models import VisitTask

from .models import WarningRule

RECENT = timedelta(days=7)
BASELINE_WEEKS = 4


def category_rising(ctx) -> list[tuple]:
    """Per street and category: cases of the last 7 days ≥ ``rising_min_cases`` and > factor × the weekly
    mean of the 4 weeks before."""
    s = ctx.settings
    cut = ctx.end - RECENT
    rows = (
        Case.objects.filter(
            code_range_q("area_code", ctx.district_code),
            reported_at__gte=cut - RECENT * BASELINE_WEEKS,
            reported_at__lt=ctx.end,
        )
        .exclude(status=Status.VOIDED)
        .values("street_code", "category_id")
        .annotate(
            recent=Count("id", filter=Q(reported_at__gte=cut)),
            before=Count("id", filter=Q(reported_at__lt=cut)),
        )
        .filter(recent__gte=s.rising_min_cases)
        .values_list("street_code", "category_id", "recent", "before")
    )
    fired = [
        (street, cat, recent, before / BASELINE_WEEKS)
        for street, cat, recent, before in rows
        if recent > float(s.rising_factor) * before / BASELINE_WEEKS
    ]
    if not fired:
        return []
    names = dict(Category.objects.filter(pk__in={f[1] for f in fired}).values_list("pk", "name"))
    streets = dict(Area.objects.filter(code__in={f[0] for f in fired}).values_list("code", "name"))
    return [
        (
            WarningRule.CATEGORY_RISING,
            f"rising:{street}:{cat}",
            street,
            {
                "category": names[cat],
                "category_id": cat,
                "recent": recent,
                "baseline": f"{baseline:.1f}",
                "area": streets.get(street, street),
            },
        )
        for street, cat, recent, baseline in fired
    ]


def visit_overdue(ctx) -> list[tuple]:
    """A priority person whose open visit task is more than ``visit_grace_days`` past its due day. The group
    is named unless it is sensitive (the reason is read by more people than the register's sensitive tags)."""
    last_due = ctx.day - timedelta(days=ctx.settings.visit_grace_days)
    rows = VisitTask.objects.filter(
        code_range_q("area__code", ctx.district_code), status=VisitTask.Status.OPEN, due_on__lt=last_due
    ).values_list("id", "person_id", "tag_id", "area__code", "due_on", "tag__name", "tag__sensitivity")
    return [
        (
            WarningRule.VISIT_OVERDUE,
            f"visit:{person}:{tag}",
            code,
            {
                "visit_task": task,
                "group": "" if sensitivity == "sensitive" else name,
                "due_on": due_on.isoformat(),
                "days": (ctx.day - due_on).days,
            },
        )
        for task, person, tag, code, due_on, name, sensitivity in rows
    ]


def repeated_place(ctx) -> list[tuple]:
    """Every hotspot of the day: one place where a category keeps being reported."""
    if not ctx.hotspots:
        return []
    names = dict(
        Category.objects.filter(pk__in={c.category_id for c in ctx.hotspots}).values_list("pk", "name")
    )
    addresses = dict(
        Case.objects.filter(pk__in=[c.case_ids[-1] for c in ctx.hotspots if c.case_ids]).values_list(
            "pk", "address"
        )
    )
    local = timezone.localtime
    return [
        (
            WarningRule.REPEATED_PLACE,
            f"place:{c.key}",
            c.grid_code,
            {
                "category": names[c.category_id],
                "category_id": c.category_id,
                "count": c.case_count,
                "address": addresses.get(c.case_ids[-1] if c.case_ids else None)
                or f"{c.lat:.5f}, {c.lon:.5f}",
                "first": local(c.first_at).date().isoformat(),
                "last": local(c.last_at).date().isoformat(),
                "cases": c.case_ids[:50],
            },
        )
        for c in ctx.hotspots
    ]


RULES = [category_rising, visit_overdue, repeated_place]


def counts(drafts) -> dict:
    return dict(Counter(d[0] for d in drafts))

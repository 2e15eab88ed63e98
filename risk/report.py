"""The monthly 研判 report (docs/domain.md §17.3) of an area in the reader's reach: the score trend over the
month, the riskiest grids with their components, hotspots, warnings opened and closed by rule and outcome,
the cases now likely to be overdue, disputes by risk level, and short findings written from those figures.
One grouped query per table, whatever the number of grids, cases or warnings."""

import datetime as dt
import io

from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from cases.models import Case
from gridgov.sheets import Percent, sheet_row, sheet_title
from grids.models import Area
from grids.scope import prefix_q
from mediation import selectors as mediation
from mediation.models import RiskLevel as DisputeRisk
from mediation.workflow import Status as DisputeStatus

from . import predict
from .case_stats import month_bounds
from .components import COMPONENTS
from .models import Hotspot, RiskLevel, RiskScore, RiskWarning, WarningRule

TOP = 10
RESOLVED = (DisputeStatus.SETTLED, DisputeStatus.CLOSED)


def monthly(user, area: Area, month: dt.date, now=None) -> dict:
    """The report's tables and findings for ``area`` (already checked to be in the reader's reach)."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    within = prefix_q("area_code", [area.code])
    report = {
        "area": area,
        "month": start.date(),
        "trend": _trend(within, start, end),
        "top": _top_grids(within, start, end),
        "hotspots": _hotspots(within, start, end),
        "warnings": _warnings(within, start, end),
        "predicted": _predicted(within, now),
        "disputes": _disputes(user, area, start, end),
    }
    report["findings"] = findings(report)
    return report


def _trend(within, start, end) -> list[dict]:
    rows = (
        RiskScore.objects.filter(within, day__gte=start.date(), day__lt=end.date())
        .values("day")
        .annotate(
            mean=Avg("score"),
            red=Count("id", filter=Q(level=RiskLevel.RED)),
            yellow=Count("id", filter=Q(level=RiskLevel.YELLOW)),
        )
        .order_by("day")
    )
    return [
        {"day": r["day"], "mean": round(float(r["mean"]), 2), "red": r["red"], "yellow": r["yellow"]}
        for r in rows
    ]


def _last_day(model, within, start, end):
    return (
        model.objects.filter(within, day__gte=start.date(), day__lt=end.date())
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def _top_grids(within, start, end) -> list[dict]:
    """The month's last scores, highest first, each with its largest components."""
    day = _last_day(RiskScore, within, start, end)
    if day is None:
        return []
    rows = (
        RiskScore.objects.filter(within, day=day).select_related("area").order_by("-score", "area_code")[:TOP]
    )
    out = []
    for row in rows:
        parts = sorted((p for p in row.components if p["points"]), key=lambda p: -p["points"])[:3]
        out.append(
            {
                "name": row.area.name,
                "code": row.area_code,
                "score": float(row.score),
                "level": RiskLevel(row.level).label,
                "level_key": row.level,
                "day": day,
                "parts": [
                    (str(COMPONENTS[p["key"]].label) if p["key"] in COMPONENTS else p["key"], p["points"])
                    for p in parts
                ],
            }
        )
    return out


def _hotspots(within, start, end) -> list[dict]:
    day = _last_day(Hotspot, within, start, end)
    if day is None:
        return []
    rows = (
        Hotspot.objects.filter(within, day=day)
        .select_related("area", "category")
        .order_by("-case_count", "id")[:TOP]
    )
    return [
        {
            "category": h.category.name,
            "area": h.area.name,
            "cases": h.case_count,
            "first": h.first_at,
            "last": h.last_at,
        }
        for h in rows
    ]


def _warnings(within, start, end) -> list[dict]:
    """Per rule: opened in the month, closed in it (on time / late), escalated, and still open at its end."""
    closed_in = Q(closed_at__gte=start, closed_at__lt=end)
    rows = (
        RiskWarning.objects.filter(within)
        .filter(Q(opened_at__gte=start, opened_at__lt=end) | closed_in)
        .values("rule")
        .annotate(
            opened=Count("id", filter=Q(opened_at__gte=start, opened_at__lt=end)),
            closed=Count("id", filter=closed_in),
            on_time=Count("id", filter=closed_in & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at")))),
            escalated=Count("id", filter=Q(opened_at__gte=start, opened_at__lt=end, escalation_level__gt=0)),
            still_open=Count(
                "id",
                filter=Q(opened_at__gte=start, opened_at__lt=end)
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
            ),
        )
    )
    found = {r["rule"]: r for r in rows}
    out = []
    for rule in WarningRule:
        r = found.get(rule.value, {})
        closed, on_time = r.get("closed", 0), r.get("on_time", 0)
        out.append(
            {
                "rule": rule.label,
                "opened": r.get("opened", 0),
                "closed": closed,
                "on_time": on_time,
                "late": closed - on_time,
                "escalated": r.get("escalated", 0),
                "still_open": r.get("still_open", 0),
            }
        )
    return out


def _predicted(within, now) -> dict:
    """Open cases of the area likely to be overdue now (§17.1), by category."""
    found = predict.estimates(Case.objects.filter(within), now)
    likely = [e for e in found.values() if e.likely]
    names = dict(Case.objects.filter(pk__in=[e.case_id for e in likely]).values_list("pk", "category__name"))
    by_category: dict = {}
    for e in likely:
        by_category[names.get(e.case_id, "—")] = by_category.get(names.get(e.case_id, "—"), 0) + 1
    return {
        "estimated": len(found),
        "likely": len(likely),
        "mean": round(100 * sum(e.probability for e in likely) / len(likely)) if likely else None,
        "by_category": sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0])),
    }


def _disputes(user, area, start, end) -> list[dict]:
    """Per risk level: disputes recorded in the month, resolved in it, and unresolved at its end."""
    qs = mediation.disputes_for(user, area_code=area.code).order_by().filter(opened_at__lt=end)
    resolved_in = Q(settled_at__gte=start, settled_at__lt=end) | Q(
        settled_at__isnull=True, closed_at__gte=start, closed_at__lt=end
    )
    rows = qs.values("risk_level").annotate(
        recorded=Count("id", filter=Q(opened_at__gte=start)),
        resolved=Count("id", filter=resolved_in),
        unresolved=Count(
            "id",
            filter=~Q(status__in=RESOLVED)
            | Q(settled_at__gte=end)
            | Q(settled_at__isnull=True, closed_at__gte=end),
        ),
    )
    found = {r["risk_level"]: r for r in rows}
    return [
        {
            "level": level.label,
            "key": level.value,
            **{k: found.get(level.value, {}).get(k, 0) for k in ("recorded", "resolved", "unresolved")},
        }
        for level in (DisputeRisk.HIGH, DisputeRisk.MEDIUM, DisputeRisk.LOW)
    ]


def findings(report: dict) -> list[str]:
    """A few sentences from the figures, the most telling first; each only when its figures exist."""
    out = []
    trend = report["trend"]
    if len(trend) >= 2:
        first, last = trend[0], trend[-1]
        if last["mean"] > first["mean"]:
            word = _("up")
        elif last["mean"] < first["mean"]:
            word = _("down")
        else:
            word = _("unchanged")
        out.append(
            _(
                "The mean grid score went from %(a)s on %(d1)s to %(b)s on %(d2)s (%(word)s); %(red)d grids "
                "were red at the end."
            )
            % {
                "word": word,
                "a": first["mean"],
                "b": last["mean"],
                "d1": first["day"],
                "d2": last["day"],
                "red": last["red"],
            }
        )
    elif not trend:
        out.append(_("No risk scores were computed in this month."))
    if report["top"] and report["top"][0]["parts"]:
        top = report["top"][0]
        out.append(
            _("The highest-risk grid is %(name)s (score %(score)s), mostly from %(part)s.")
            % {"name": top["name"], "score": top["score"], "part": top["parts"][0][0]}
        )
    if report["hotspots"]:
        h = report["hotspots"][0]
        out.append(
            _("%(n)d hotspots; the largest: %(category)s in %(area)s, %(cases)d cases.")
            % {
                "n": len(report["hotspots"]),
                "category": h["category"],
                "area": h["area"],
                "cases": h["cases"],
            }
        )
    w = {
        k: sum(r[k] for r in report["warnings"])
        for k in ("opened", "closed", "on_time", "escalated", "still_open")
    }
    if w["opened"] or w["closed"]:
        out.append(
            _(
                "%(opened)d warnings opened and %(closed)d closed (%(on_time)d on time); %(escalated)d of "
                "the new ones were escalated and %(still_open)d are still open."
            )
            % w
        )
    p = report["predicted"]
    if p["likely"]:
        out.append(
            _("%(n)d open cases are likely to be overdue now, most of them %(category)s.")
            % {"n": p["likely"], "category": p["by_category"][0][0]}
        )
    high = next(r for r in report["disputes"] if r["key"] == DisputeRisk.HIGH)
    if high["recorded"] or high["unresolved"]:
        out.append(
            _(
                "%(recorded)d high-risk disputes recorded this month; %(unresolved)d high-risk disputes "
                "unresolved."
            )
            % high
        )
    return out


def monthly_xlsx(report: dict) -> bytes:
    """One sheet per table, the findings first; the area and month in each title row."""
    book = Workbook(write_only=True)
    start, end = month_bounds(report["month"])
    made = timezone.now()

    def sheet(title, header):
        found = book.create_sheet(title[:31])
        sheet_title(
            found,
            f"{_('Monthly analysis report')} · {title}",
            scope=report["area"].name,
            start=start,
            end=end,
            generated_at=made,
        )
        sheet_row(found, header)
        return found

    s = sheet(pgettext("analysis report", "Findings"), [_("Finding")])
    for line in report["findings"]:
        sheet_row(s, [line])
    s = sheet(_("Score trend"), [_("Day"), _("Mean score"), _("Red grids"), _("Yellow grids")])
    for r in report["trend"]:
        sheet_row(s, [r["day"], r["mean"], r["red"], r["yellow"]])
    s = sheet(_("Top risk grids"), [_("Grid"), _("Code"), _("Score"), _("Level"), _("Main components")])
    for r in report["top"]:
        parts = "；".join(f"{label} {points:g}" for label, points in r["parts"])
        sheet_row(s, [r["name"], r["code"], r["score"], str(r["level"]), parts])
    s = sheet(_("Hotspots"), [_("Category"), _("Grid"), _("Cases"), _("First report"), _("Last report")])
    for h in report["hotspots"]:
        sheet_row(s, [h["category"], h["area"], h["cases"], h["first"], h["last"]])
    s = sheet(
        _("Warnings"),
        [_("Rule"), _("Opened"), _("Closed"), _("On time"), _("Late"), _("Escalated"), _("Still open")],
    )
    for r in report["warnings"]:
        sheet_row(
            s,
            [
                str(r["rule"]),
                r["opened"],
                r["closed"],
                r["on_time"],
                r["late"],
                r["escalated"],
                r["still_open"],
            ],
        )
    p = report["predicted"]
    s = sheet(_("Likely to be overdue"), [_("Category"), _("Cases")])
    for name, n in p["by_category"]:
        sheet_row(s, [name, n])
    sheet_row(s, [_("Total"), p["likely"]])
    sheet_row(s, [_("Mean probability"), Percent(p["mean"]) if p["mean"] is not None else "—"])
    s = sheet(_("Disputes by risk level"), [_("Risk level"), _("Recorded"), _("Resolved"), _("Unresolved")])
    for r in report["disputes"]:
        sheet_row(s, [str(r["level"]), r["recorded"], r["resolved"], r["unresolved"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

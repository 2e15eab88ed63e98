"""Pages: the risk page (grids ranked by score, each with the components that make it, hotspots with their
cases, early warnings to acknowledge and close) and the centre's settings. Thin: the same selectors and
services as the API; refusals come back next to their fields."""

import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grids.models import Area, Department, Level
from grids.scope import reach, scoped

from . import case_stats, population, predict, report, screen, screen_sweep, selectors, services
from .forms import CloseForm, SettingsForm, TransferForm
from .models import RiskLevel, RiskWarning

log = logging.getLogger(__name__)

MAX_ID = 2**63 - 1
SCREEN_REFRESH_SECONDS = 30
SHOWN = 100


def _member(user):
    r = reach(user)
    if not (r.is_superuser or r.codes(selectors.AREA_ROLES)):
        raise Http404


@login_required
def risk_page(request):
    _member(request.user)
    level = request.GET.get("level", "")
    day = selectors.latest_day(request.user)
    scores = selectors.scores(request.user, day=day)
    counts = dict.fromkeys(RiskLevel.values, 0)
    for found, n in _level_counts(scores):
        counts[found] = n
    if level in RiskLevel.values:
        scores = scores.filter(level=level)
    rows = []
    for score in scores[:SHOWN]:
        parts = selectors.parts_of(score)
        rows.append((score, parts, [p for p in parts if p["points"]][:2]))
    districts = selectors.districts_of(request.user)
    return render(
        request,
        "risk/page.html",
        {
            "day": day,
            "rows": rows,
            "counts": [
                (RiskLevel(k).label, k, counts[k]) for k in (RiskLevel.RED, RiskLevel.YELLOW, RiskLevel.GREEN)
            ],
            "level": level,
            "hotspots": selectors.hotspots(request.user)[:30],
            "warnings": selectors.warnings(request.user).exclude(status=RiskWarning.Status.CLOSED)[:50],
            "closed": selectors.warnings(request.user, status=RiskWarning.Status.CLOSED)[:10],
            "centre_of": [d for d in districts if services.is_centre(request.user, d)],
            "close_form": CloseForm(),
        },
    )


def _level_counts(scores):
    return scores.order_by().values("level").annotate(n=Count("id")).values_list("level", "n")


def _district(request, code):
    district = Area.objects.filter(code=str(code)[:24], level=Level.DISTRICT).first()
    if district is None or not services.is_centre(request.user, district):
        raise Http404
    return district


@login_required
def settings_page(request, code):
    district = _district(request, code)
    found = services.settings_for(district)
    form = SettingsForm(request.POST or None, settings=found)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(district=district, actor=request.user, **form.values())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The risk settings are saved; they count from the next computation."))
            return redirect("risk:settings", code=district.code)
    return render(request, "risk/settings.html", {"district": district, "form": form, "found": found})


@login_required
@require_POST
def recompute(request, code):
    district = _district(request, code)
    summary = services.risk_recompute(district=district, actor=request.user)
    messages.success(
        request,
        _(
            "Recomputed %(grids)d grids: %(red)d red, %(yellow)d yellow, %(hotspots)d hotspots, "
            "%(opened)d new warnings."
        )
        % {**summary, "opened": summary["warnings_opened"]},
    )
    return redirect("risk:page")


def _warning(request, pk):
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(scoped(request.user, RiskWarning.objects.all()), pk=pk)


@login_required
@require_POST
def warning_acknowledge(request, pk):
    warning = _warning(request, pk)
    try:
        services.warning_acknowledge(warning_id=warning.pk, actor=request.user)
    except PermissionDenied:
        messages.error(request, _("Only community, street or centre staff of the area can handle a warning."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The warning is acknowledged."))
    return redirect(_back(request, warning))


@login_required
@require_POST
def warning_close(request, pk):
    warning = _warning(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done about the warning."))
        return redirect(_back(request, warning))
    try:
        services.warning_close(
            warning_id=warning.pk, actor=request.user, outcome=form.cleaned_data["outcome"]
        )
    except PermissionDenied:
        messages.error(request, _("Only community, street or centre staff of the area can handle a warning."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The warning is closed."))
    return redirect(_back(request, warning))


def _page():
    return reverse("risk:page")


def _back(request, warning):
    """Back to where the form was: the unit's queue, or the risk page."""
    if request.POST.get("from") == "queue":
        return f"{reverse('risk:warnings')}#warning-{warning.pk}"
    return f"{_page()}#warning-{warning.pk}"


# --- The warning queue of a unit -------------------------------------------------------------------------


def _queue_member(user):
    if not selectors.sees_warnings(user):
        raise Http404


@login_required
@require_GET
def warning_queue(request):
    _queue_member(request.user)
    return _queue(request)


def _queue(request, *, errors=None, status=200):
    """The warnings the user's units hold (or all in scope), each with what its unit can do."""
    mine = request.GET.get("show", "mine") != "all"
    now = timezone.now()
    errors = errors or {}
    rows = [
        (w, services.may_handle(request.user, w), w.is_overdue(now), errors.get(w.pk))
        for w in selectors.unit_queue(request.user, mine=mine)[:SHOWN]
    ]
    if errors and not any(row[3] for row in rows):  # the refused warning is not in this view: show it still
        rows = [
            (w, True, w.is_overdue(now), errors[w.pk])
            for w in selectors.warnings(request.user).filter(pk__in=list(errors))
        ] + rows
    districts = sorted({w.area_code[:6] for w, may, _late, _errs in rows if may})
    within = Q(pk__in=[])
    for code in districts:
        within |= Q(code__startswith=code)
    units = [
        (f"a:{a.code}", f"{a.get_level_display()} · {a.name}")
        for a in Area.objects.filter(
            within, level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY], is_active=True
        ).order_by("code")
    ] + [
        (f"d:{d.pk}", d.name)
        for d in Department.objects.filter(is_active=True, area__code__in=districts).order_by("code")
    ]
    return render(
        request,
        "risk/warnings.html",
        {"rows": rows, "mine": mine, "units": units, "close_form": CloseForm()},
        status=status,
    )


@login_required
@require_GET
def warning_detail(request, pk):
    """One warning with its trail (the page an inbox notice links to); out of scope, a 404."""
    warning = _warning(request, pk)
    return render(
        request,
        "risk/warning.html",
        {
            "w": warning,
            "may": services.may_handle(request.user, warning),
            "late": warning.is_overdue(timezone.now()),
            "events": warning.events.select_related("actor").order_by("seq"),
        },
    )


@login_required
@require_POST
def warning_transfer(request, pk):
    warning = _warning(request, pk)
    form = TransferForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
        services.warning_transfer(
            warning_id=warning.pk, actor=request.user, comment=form.cleaned_data["comment"], **form.target()
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _queue(request, errors={warning.pk: exc.message_dict}, status=400)
    messages.success(request, _("The warning is sent to its new unit."))
    return redirect(f"{reverse('risk:warnings')}#warning-{warning.pk}")


@login_required
@require_POST
def warning_escalate(request, pk):
    warning = _warning(request, pk)
    try:
        services.warning_escalate(
            warning_id=warning.pk, actor=request.user, comment=str(request.POST.get("comment", ""))
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _queue(request, errors={warning.pk: exc.message_dict}, status=400)
    messages.success(request, _("The warning is sent to the unit above."))
    return redirect(f"{reverse('risk:warnings')}#warning-{warning.pk}")


# --- The big screen (大屏) ---------------------------------------------------------------------------------


def _screen_roots(request):
    roots = screen.screen_roots(request.user)
    if not roots:
        raise Http404
    return roots


@login_required
def screen_page(request):
    """The wall display: a dark 1920×1080 page whose panels each poll their own JSON endpoint."""
    roots = _screen_roots(request)
    screen_sweep.watched_add(roots)
    names = dict(Area.objects.filter(code__in=roots).values_list("code", "name"))
    return render(
        request,
        "risk/screen.html",
        {
            "title": "、".join(names.get(code, code) for code in roots),
            "panels": list(screen.PANELS),
            "refresh_seconds": SCREEN_REFRESH_SECONDS,
            "labels": _screen_labels(),
        },
    )


@login_required
@require_GET
def screen_panel(request, panel):
    """One panel's data: ``{"panel", "updated_at", "data"}``; an unknown panel is a 404."""
    if panel not in screen.PANELS:
        raise Http404
    roots = _screen_roots(request)
    at, data = screen.panel_data(panel, request.user, roots, timezone.now())
    return JsonResponse(
        {
            "panel": panel,
            "updated_at": timezone.localtime(at).isoformat(),
            "data": data,
        }
    )


@login_required
@require_GET
def page_panel(request, panel):
    """One panel as a fragment of an ordinary page (light theme), for staff of a community, a street or the
    centre, cut to their own areas. A panel whose data fails says so in its place (the page carries on)."""
    if panel not in screen.PAGE_PANELS:
        raise Http404
    roots = screen.page_roots(request.user)
    if not roots:
        raise Http404
    try:
        at, data = screen.panel_data(panel, request.user, roots, timezone.now(), screen.PAGE_PANELS)
    except Exception:  # one panel's failure must not take the page with it; logged with its trace
        log.exception("page panel %s failed", panel)
        at, data = None, None
    context = {
        "name": panel,
        "data": data,
        "at": at,
        "trend": _trend_svg(data) if data and panel == "trend" else None,
    }
    return render(request, "risk/_panel.html", context)


TREND_W, TREND_H = 300, 80


def _trend_svg(data) -> dict:
    """Polyline points of the 30-day trend (reported, closed) in a TREND_W × TREND_H box."""
    days = data["days"]
    top = max([1] + [max(d["reported"], d["closed"]) for d in days])
    step = TREND_W / max(1, len(days) - 1)

    def line(key):
        return " ".join(f"{i * step:.1f},{TREND_H - TREND_H * d[key] / top:.1f}" for i, d in enumerate(days))

    return {
        "reported": line("reported"),
        "closed": line("closed"),
        "top": top,
        "first": days[0]["day"][5:] if days else "",
        "last": days[-1]["day"][5:] if days else "",
        "w": TREND_W,
        "h": TREND_H,
    }


def _screen_labels():
    return {
        "failed": _("This panel's data could not be loaded; it will try again."),
        "updated": _("Updated"),
        "open": _("Open cases"),
        "warning": _("Near deadline"),
        "overdue": _("Overdue"),
        "supervised": _("Supervised"),
        "today": _("Today"),
        "month": _("This month"),
        "reported": _("Step: reported"),
        "filed": _("Step: filed"),
        "dispatched": _("Step: dispatched"),
        "handled": _("Step: handled"),
        "closed": _("Cases closed"),
        "none": _("None"),
        "late": _("overdue %(hours)s h"),
        "lateDays": _("overdue %(days)s days"),
        "households": _("Households registered"),
        "persons": _("Persons living here"),
        "registered": _("Registered"),
        "floating": _("Floating"),
        "foreign": _("Foreign"),
        "sensitive": _("Special management (total)"),
        "score": _("score"),
        "closedOnTime": _("closed on time"),
        "due": _("due"),
        "tasksOpen": _("tasks in progress"),
        "warnings": _("open warnings"),
        "hotspot": _("hotspot"),
        "cases": _("cases"),
        "levels": {k: str(v) for k, v in RiskLevel.choices},
        "byRisk": _("Grids by risk"),
        "redList": _("Red list (best on time)"),
        "blackList": _("Black list (highest risk)"),
        "byLoad": _("Grids by open cases"),
        "onPatrol": _("on patrol now"),
        "dutyNone": _("Nobody is on duty at this moment."),
    }


# --- Population and housing statistics ------------------------------------------------------------------


def _population_area(request):
    roots = population.roots_of(request.user)
    if not roots:
        raise Http404
    code = str(request.GET.get("area", ""))[:24]
    if not code.isdigit() or not any(code.startswith(root) for root in roots):
        code = roots[0]
    area = Area.objects.filter(code=code, is_active=True).first()
    if area is None:
        raise Http404
    return area, roots


@login_required
@require_GET
def population_page(request):
    area, roots = _population_area(request)
    stats = population.statistics(request.user, area)
    up = area.parent if area.parent_id and any(area.parent.code.startswith(r) for r in roots) else None
    return render(
        request,
        "risk/population.html",
        {"stats": stats, "up": up, "level_below": Level(stats["level"]).label},
    )


@login_required
@require_GET
def population_xlsx(request):
    area, _roots = _population_area(request)
    body = population.statistics_xlsx(population.statistics(request.user, area))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="population-{area.code}.xlsx"'
    return response


# --- Case statistics -------------------------------------------------------------------------------------


def _stats_month(request):
    """The month asked for (?month=YYYY-MM), this month without one; None and an error when malformed."""
    raw = str(request.GET.get("month", "")).strip()
    if not raw:
        return timezone.localdate().replace(day=1), ""
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return None, _("Give a month as YYYY-MM, e.g. 2026-11.")
    if not 2000 <= month.year <= 2099:
        return None, _("Give a month between 2000 and 2099.")
    return month, ""


@login_required
@require_GET
def case_statistics_page(request):
    area, roots = _population_area(request)
    month, error = _stats_month(request)
    stats = case_stats.statistics(area, month) if month else None
    up = area.parent if area.parent_id and any(area.parent.code.startswith(r) for r in roots) else None
    context = {
        "area": area,
        "stats": stats,
        "up": up,
        "month_error": error,
        "month_raw": request.GET.get("month", ""),
    }
    return render(request, "risk/case_stats.html", context, status=400 if error else 200)


@login_required
@require_GET
def case_statistics_xlsx(request):
    area, _roots = _population_area(request)
    month, error = _stats_month(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    body = case_stats.statistics_xlsx(case_stats.statistics(area, month))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{area.code}-{month:%Y-%m}.xlsx"'
    return response


# --- Predicted overdue -----------------------------------------------------------------------------------


@login_required
@require_GET
def likely_overdue_page(request):
    """The user's open cases likely to miss their stage deadline (before they turn yellow)."""
    r = reach(request.user)
    if not (r.is_superuser or r.codes() or r.department_ids):
        raise Http404
    rows = predict.likely_overdue(request.user)
    return render(
        request,
        "risk/likely.html",
        {"rows": rows, "likely_at": round(predict.LIKELY_AT * 100), "min_sample": predict.MIN_SAMPLE},
    )


# --- The monthly 研判 report ------------------------------------------------------------------------------


def _report_params(request):
    """(area, month, errors by field): a month in the past or this one, an area in the reader's reach."""
    roots = population.roots_of(request.user)
    if not roots:
        raise Http404
    errors = {}
    month, error = _stats_month(request)
    if error:
        errors["month"] = error
    elif month > timezone.localdate().replace(day=1):
        errors["month"] = _("That month has not begun yet.")
    code = str(request.GET.get("area", "")).strip()[:24] or roots[0]
    area = Area.objects.filter(code=code, is_active=True).first() if code.isdigit() else None
    if area is None or not any(code.startswith(root) for root in roots):
        errors["area"] = _("Choose an area you work in.")
        area = None
    return area, month, errors, roots


def _report_areas(roots):
    """The areas one may choose: the reader's own and those below them down to communities."""
    within = Q(pk__in=[])
    for code in roots:
        within |= Q(code__startswith=code)
    return Area.objects.filter(
        within, level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID], is_active=True
    ).order_by("code")[:500]


@login_required
@require_GET
def report_page(request):
    area, month, errors, roots = _report_params(request)
    found = report.monthly(request.user, area, month) if not errors else None
    context = {
        "report": found,
        "errors": errors,
        "areas": _report_areas(roots),
        "area_code": area.code if area else str(request.GET.get("area", ""))[:24],
        "month_raw": month.strftime("%Y-%m") if month else str(request.GET.get("month", ""))[:20],
    }
    return render(request, "risk/report.html", context, status=400 if errors else 200)


@login_required
@require_GET
def report_xlsx(request):
    area, month, errors, _roots = _report_params(request)
    if errors:
        return HttpResponse(" ".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")
    body = report.monthly_xlsx(report.monthly(request.user, area, month))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="risk-report-{area.code}-{month:%Y-%m}.xlsx"'
    return response

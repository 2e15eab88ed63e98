"""Report pages: the centre's report, drill-down lists, exports, published reports, five-star grids.

Thin: parameters through ``selectors.report_params`` (400 with messages per field, 404 out of scope),
figures through ``report.report``, writes through ``services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.models import Category
from grids.models import Area, Department, Level
from grids.scope import prefix_q, reach, scoped

from . import export, services
from .figures import FIGURES, PARTS
from .models import ReportSnapshot, Star, StarAward
from .pages import report_view
from .records import month_key
from .report import report
from .selectors import AREA_LEVELS, default_month, drill_down, report_params
from .stars import STAR_FIGURES, STAR_HINTS, supporting_figures_for

PAGE_SIZE = 30


def _require_reach(user):
    """Users with no area and no department see no report at all (fail closed)."""
    r = reach(user)
    if not (r.is_superuser or r.codes() or r.department_ids):
        raise Http404


def _subtree(user, areas):
    """Areas inside the user's subtrees (the area scope also lets ancestors through, for breadcrumbs)."""
    areas = scoped(user, areas)
    return areas if reach(user).is_superuser else areas.filter(prefix_q("code", reach(user).codes()))


def _choices(user):
    areas = _subtree(
        user, Area.objects.filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY], is_active=True)
    )
    return {
        "areas": areas.order_by("code").only("code", "name", "level")[:500],
        "departments": scoped(user, Department.objects.filter(is_active=True)).order_by("code"),
        "majors": Category.objects.filter(parent__isnull=True).order_by("code"),
        "levels": [(lv, Level(lv).label) for lv in AREA_LEVELS],
    }


def _form_context(request, errors):
    """What the filter form shows: the user's input as given (with the messages beside it)."""
    form = {name: request.GET.get(name, "") for name in ("month", "start", "end", "as_of")}
    return {**_choices(request.user), "errors": errors, "form": form, "params": None}


def _params_or_errors(request):
    try:
        return report_params(request.user, request.GET), {}
    except ValidationError as error:
        return None, error.message_dict


@login_required
@require_GET
def report_page(request):
    _require_reach(request.user)
    params, errors = _params_or_errors(request)
    context = _form_context(request, errors)
    if params is None:
        return render(request, "assessment/report.html", context, status=400)
    data = report(request.user, params, levels=[params.level])
    query = params.as_query()
    context["form"].update(
        month=timezone.localtime(params.start).strftime("%Y-%m"),
        as_of=timezone.localtime(params.as_of).strftime("%Y-%m-%dT%H:%M"),
    )
    context.update(
        params=params,
        query=query,
        export_query=_without(request.GET, "tab", "sort", "page"),
        **report_view(
            data, query, level=params.level, levels=AREA_LEVELS, args=request.GET, link=_linker(request.GET)
        ),
    )
    return render(request, "assessment/report.html", context)


def _linker(args):
    """The same page's URL with some GET arguments changed (a None drops one): tabs, sorting, pages."""

    def link(**changes):
        q = args.copy()
        for name, value in changes.items():
            q.pop(name, None)
            if value is not None:
                q[name] = value
        return "?" + q.urlencode()

    return link


@login_required
@require_GET
def report_export(request, fmt):
    _require_reach(request.user)
    params, errors = _params_or_errors(request)
    if params is None:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    scope = params.area or params.department
    return _export(
        report(request.user, params),
        fmt,
        f"assessment-{params.month}",
        scope.name if scope else _("Whole scope"),
    )


def _export(data, fmt, name, scope=""):
    if fmt == "xlsx":
        response = HttpResponse(
            export.xlsx(data, scope=scope),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        response = HttpResponse("\ufeff" + export.csv_text(data), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def drill_page(request):
    """The cases behind one number of the report; the count shown is the number in the report."""
    _require_reach(request.user)
    params, errors = _params_or_errors(request)
    if params is None:
        return render(request, "assessment/report.html", _form_context(request, errors), status=400)
    part_key = request.GET.get("part", "")
    qs = drill_down(request.user, params, part_key, request.GET.get("group", ""), request.GET.get("key", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessment/cases.html",
        {
            "part": PARTS[part_key],
            "page": page,
            "count": page.paginator.count,
            "params": params,
            "whistle": PARTS[part_key].model == "whistle",
            "query": query.urlencode(),
            "back": "?".join([_report_url(), _without(request.GET, "part", "group", "key", "page")]),
            "figures": [f for f in FIGURES.values() if part_key in f.part_keys()],
        },
    )


def _report_url():
    return reverse("assessment:report")


def _without(querydict, *keys):
    q = querydict.copy()
    for key in keys:
        q.pop(key, None)
    return q.urlencode()


# --- Published reports -----------------------------------------------------------------------------


@login_required
@require_GET
def published_list(request):
    _require_reach(request.user)
    snapshots = scoped(request.user, ReportSnapshot.objects.all()).defer("data")
    page = Paginator(snapshots, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Area.objects.filter(code__in={s.scope_code for s in page}).values_list("code", "name"))
    rows = [(s, names.get(s.scope_code, s.scope_code)) for s in page]
    return render(request, "assessment/published_list.html", {"page": page, "rows": rows})


def _snapshot(request, pk):
    snapshot = scoped(request.user, ReportSnapshot.objects.filter(pk=pk)).first()
    if snapshot is None:
        raise Http404
    return snapshot


@login_required
@require_GET
def published_detail(request, pk):
    snapshot = _snapshot(request, pk)
    data = snapshot.data
    p = data["params"]
    level = request.GET.get("level")
    level = level if level in data["areas"] else p["level"]
    query = _live_query(snapshot, {**p, "level": level})
    return render(
        request,
        "assessment/published_detail.html",
        {
            "snapshot": snapshot,
            "area": data.get("area", {}),
            **report_view(
                data,
                query,
                level=level,
                levels=list(data["areas"]),
                args=request.GET,
                link=_linker(request.GET),
            ),
        },
    )


def _live_query(snapshot, p):
    local = timezone.localtime
    query = {
        "start": local(snapshot.period_start).date().isoformat(),
        "end": local(snapshot.period_end).date().isoformat(),
        "as_of": local(snapshot.as_of).isoformat(timespec="seconds"),
        "level": p["level"],
    }
    if p.get("area"):
        query["area"] = p["area"]
    return query


@login_required
@require_GET
def published_export(request, pk, fmt):
    snapshot = _snapshot(request, pk)
    area = Area.objects.filter(code=snapshot.scope_code).only("name").first()
    return _export(
        snapshot.data,
        fmt,
        f"assessment-{snapshot.scope_code}-{month_key(snapshot.period_start)}",
        area.name if area else snapshot.scope_code,
    )


# --- Five-star grids -------------------------------------------------------------------------------


def _month_arg(value):
    try:
        year, mon = (int(x) for x in str(value).split("-"))
        if 1900 <= year <= 9999 and 1 <= mon <= 12:
            return year * 100 + mon
    except ValueError:
        pass
    return None


@login_required
@require_GET
def stars_page(request):
    _require_reach(request.user)
    month = _month_arg(request.GET.get("month")) or month_key(default_month()[0])
    grids = _subtree(request.user, Area.objects.filter(level=Level.GRID, is_active=True))
    area = request.GET.get("area", "")
    if area:
        grids = grids.filter(prefix_q("code", [area]))
    page = Paginator(grids.order_by("code").only("code", "name", "level"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    grid_list = list(page)
    figures = supporting_figures_for(request.user, grid_list, month)
    awards = {
        (a.grid_id, a.star): a
        for a in StarAward.objects.filter(grid__in=grid_list, period_month=month).select_related("evaluator")
    }
    rows = [
        {
            "grid": g,
            "may_award": services.may_award_stars(request.user, g),
            "stars": [
                {
                    "star": value,
                    "label": label,
                    "hint": STAR_HINTS[value],
                    "award": awards.get((g.pk, value)),
                    "figures": [
                        (FIGURES[k].label, figures[g.code][value]["figures"][k], FIGURES[k].unit)
                        for k in STAR_FIGURES[value]
                    ],
                    "members": figures[g.code][value].get("members"),
                }
                for value, label in Star.choices
            ],
            "count": sum(
                1 for value, _l in Star.choices if getattr(awards.get((g.pk, value)), "awarded", False)
            ),
        }
        for g in grid_list
    ]
    return render(
        request,
        "assessment/stars.html",
        {
            "rows": rows,
            "page": page,
            "month": f"{month // 100}-{month % 100:02d}",
            "month_key": month,
            "area": area,
        },
    )


@login_required
@require_POST
def star_award_post(request):
    grid_id = request.POST.get("grid", "")
    grid = _subtree(
        request.user, Area.objects.filter(pk=grid_id if grid_id.isdigit() else 0, level=Level.GRID)
    ).first()
    if grid is None:
        raise Http404
    month = _month_arg(request.POST.get("month"))
    try:
        services.star_award(
            actor=request.user,
            grid=grid,
            month=month or 0,
            star=request.POST.get("star", ""),
            awarded=request.POST.get("awarded") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Star recorded for %(grid)s.") % {"grid": grid.name})
    except ValidationError as error:
        messages.error(request, "; ".join(m for ms in error.message_dict.values() for m in ms))
    except PermissionDenied as error:
        messages.error(request, str(error))
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/assessment/") else "assessment:stars")

"""The citizens' public reports (/public/reports/): every published report with its progress in plain
words, as the GeoReport API publishes it (``open311.selectors``: the same cases, no names, phones or
e-mails, ID numbers masked). Photos appear only once staff approved them, as their public (blurred) copy.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.models import Area, Level

from . import selectors
from .citizen_pages import report_context

PAGE_SIZE = 20
PUBLIC_AREA_LEVELS = (Level.STREET, Level.COMMUNITY)  # what the area filter offers


def _choice(value, allowed) -> str:
    value = str(value or "")
    return value if value in allowed else ""


def _filters(request) -> dict:
    """The filter form's options and what was chosen; an unknown value is no filter, never an error.

    The options are joined in Python: a district of 100 streets and 700 communities has 800 of them, and
    the template language's loop over them was most of the page's time."""
    areas = list(
        Area.objects.filter(level__in=PUBLIC_AREA_LEVELS, is_active=True)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    categories = list(selectors.offered_categories().values_list("code", "name"))
    chosen = {
        "area": _choice(request.GET.get("area"), {code for code, _n, _l in areas}),
        "category": _choice(request.GET.get("category"), {code for code, _n in categories}),
        "state": _choice(request.GET.get("state"), {"open", "closed"}),
    }
    return {
        "area_options": _options(
            ((code, f"· {name}" if level == Level.COMMUNITY else name) for code, name, level in areas),
            chosen["area"],
        ),
        "category_options": _options(categories, chosen["category"]),
        "categories": categories,
        "chosen": chosen,
    }


def _options(pairs, chosen: str):
    # Plain escape and join: format_html per option costs more than the query that read them.
    return mark_safe(  # every value is escaped here
        "".join(
            f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>{escape(name)}</option>'
            for code, name in pairs
        )
    )


def _chosen(request) -> dict:
    """The chosen filters alone, for the map's points: one small lookup per filter given, not the lists."""
    area, category = str(request.GET.get("area", ""))[:24], str(request.GET.get("category", ""))[:16]
    known_area = (
        area and Area.objects.filter(code=area, level__in=PUBLIC_AREA_LEVELS, is_active=True).exists()
    )
    known_category = category and selectors.offered_categories().filter(code=category).exists()
    return {
        "area": area if known_area else "",
        "category": category if known_category else "",
        "state": _choice(request.GET.get("state"), {"open", "closed"}),
    }


def reports(request):
    """The list, filtered by area, category and state, paged forward with ``before``."""
    filters = _filters(request)
    chosen = filters["chosen"]
    before = str(request.GET.get("before", ""))
    cases, next_cursor = selectors.public_reports(
        **chosen, before=int(before) if before.isdigit() else None, size=PAGE_SIZE
    )
    rows = selectors.request_rows(cases, request.build_absolute_uri)
    context = {**filters, "rows": rows, "next_cursor": next_cursor, "filtered": any(chosen.values())}
    return render(request, "open311/public_reports.html", context)


def report(request, public_id):
    """One published report: its state, the unit handling it and its public timeline."""
    case = selectors.request_by_public_id(str(public_id)[:32])
    if case is None:
        raise Http404
    row = selectors.request_rows([case], request.build_absolute_uri)[0]
    updates = selectors.update_rows(
        selectors.updates_find(ids=[case["public_id"]]), request.build_absolute_uri
    )
    photos = selectors.report_photos(case["pk"])
    context = {"row": row, "updates": updates, "photos": photos, **report_context(request, row)}
    return render(request, "open311/public_report.html", context)


def reports_map(request):
    """The same reports on a map: points coloured by state in plain words, each linking to its page."""
    filters = _filters(request)
    context = {**filters, "states": selectors.MAP_STATES, "filtered": any(filters["chosen"].values())}
    return render(request, "open311/public_map.html", context)


@require_GET
def reports_map_points(request):
    """``bbox=west,south,east,north`` (required) and ``limit`` (at most ``MAP_LIMIT``), with the list's
    filters: the newest points in the box, and whether there were more. Bad input: 400 by field."""
    errors = {}
    bbox = _bbox(request.GET.get("bbox", ""))
    if bbox is None:
        errors["bbox"] = [
            _("Give the box as west,south,east,north in degrees, west < east and south < north.")
        ]
    raw_limit = str(request.GET.get("limit", selectors.MAP_LIMIT))
    limit = int(raw_limit) if raw_limit.isdigit() else 0
    if not 1 <= limit <= selectors.MAP_LIMIT:
        errors["limit"] = [_("A whole number from 1 to %(n)d.") % {"n": selectors.MAP_LIMIT}]
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    points, more = selectors.map_points(bbox=bbox, **_chosen(request), limit=limit)
    response = JsonResponse({"reports": points, "truncated": more, "limit": limit})
    response["Cache-Control"] = "public, max-age=60"
    return response


def _bbox(raw: str):
    parts = str(raw).split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north

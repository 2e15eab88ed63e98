"""The citizens' public reports (/public/reports/): every published report with its progress in plain
words, as the GeoReport API publishes it (``open311.selectors``: the same cases, no names, phones or
e-mails, ID numbers masked). Photos appear only once staff approved them, as their public (blurred) copy.
"""

from django.http import Http404
from django.shortcuts import render

from grids.models import Area, Level

from . import selectors

PAGE_SIZE = 20


def _choice(value, allowed) -> str:
    value = str(value or "")
    return value if value in allowed else ""


def reports(request):
    """The list, filtered by area, category and state, paged forward with ``before``."""
    areas = list(
        Area.objects.filter(level__in=[Level.STREET, Level.COMMUNITY], is_active=True)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    categories = list(selectors.offered_categories().values_list("code", "name"))
    chosen = {
        "area": _choice(request.GET.get("area"), {code for code, _n, _l in areas}),
        "category": _choice(request.GET.get("category"), {code for code, _n in categories}),
        "state": _choice(request.GET.get("state"), {"open", "closed"}),
    }
    before = str(request.GET.get("before", ""))
    cases, next_cursor = selectors.public_reports(
        **chosen, before=int(before) if before.isdigit() else None, size=PAGE_SIZE
    )
    rows = selectors.request_rows(cases, request.build_absolute_uri)
    context = {
        "rows": rows,
        "areas": areas,
        "categories": categories,
        "chosen": chosen,
        "next_cursor": next_cursor,
        "filtered": any(chosen.values()),
    }
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
    return render(request, "open311/public_report.html", {"row": row, "updates": updates, "photos": photos})

"""The report form (phone first): category picker, photos, a map pin with the grid filled in from the point,
possible duplicates nearby, and a retry that never makes a second case (the form's Idempotency key)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.basemap import map_context
from grids.models import Area, Level
from grids.scope import scoped

from .. import services
from ..duplicates import duplicate_query, possible_duplicates
from ..forms import ReportForm, minor_categories_for
from ..models import Source
from ..workflow import Status

# --- Reporting -----------------------------------------------------------------------------------------


@login_required
def case_report_page(request):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = _report(request, form)
        if case is not None:
            messages.success(request, _("Case %(number)s reported.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    favourites, minors = minor_categories_for(request.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cases/report.html",
        {
            "form": form,
            "favourites": favourites,
            "minors": minors,
            "map": map_settings(),
            "extra_forms": _extra_forms(minors, form, request.POST),
            "case_statuses": case_status_labels(),
        },
        status=status,
    )


INPUT_TYPES = {"number": "number", "date": "date", "datetime": "datetime-local"}


def _extra_forms(minors, form, post):
    """Each category's extra fields as inputs, with the values and errors of the category just sent."""
    chosen = form["category"].value() if form.is_bound else None
    errors = getattr(form, "extra_errors", {})
    forms_ = []
    for category in minors:
        if not category.fields:
            continue
        mine = category.code == chosen
        specs = []
        for spec in category.fields:
            name = "extra." + spec["code"]
            kept = [str(v) for v in post.getlist(name)] if mine else []
            specs.append(
                {
                    **spec,
                    "name": name,
                    "id": f"extra-{category.code}-{spec['code']}",
                    "input_type": INPUT_TYPES.get(spec.get("datatype"), "text"),
                    "value": kept[0] if kept else "",
                    "choices": [
                        (str(v["key"]), v["name"], str(v["key"]) in kept) for v in spec.get("values", [])
                    ],
                    "errors": errors.get(spec["code"], []) if mine else [],
                }
            )
        forms_.append((category, specs))
    return forms_


def _report(request, form):
    data = form.cleaned_data
    self_handled = data["self_handled"]
    try:
        result = services.case_report(
            actor=request.user,
            category=data["category"],
            title=data["title"],
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data["address"],
            extra=form.extra_values(request.POST),
            source=Source.SELF_HANDLED if self_handled else Source.PATROL,
            self_handled_result=data["self_handled_result"] if self_handled else "",
            idempotency_key=data["idempotency_key"],
            before_photos=request.FILES.getlist("photos"),
            after_photos=request.FILES.getlist("after_photos") if self_handled else (),
        )
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not report here."))
        return None
    return result.case


def _errors_to_form(form, exc):
    """Service errors next to the fields they are about: location → the map, extra.x → the extra field."""
    form.extra_errors = {}
    for key, messages_ in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        if key.startswith("extra."):
            form.extra_errors[key[6:]] = messages_
            continue
        field = {"location": "lat", "area": "lat", "idempotency_key": None, "__all__": None}.get(key, key)
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def map_settings():
    return map_context()


@login_required
@require_GET
def grid_boundaries(request):
    """The user's grids as GeoJSON, so the map works without any tile server."""
    grids = scoped(request.user, Area.objects.filter(level__in=[Level.GRID, Level.MICROGRID], is_active=True))
    grids = grids.exclude(boundary=None)
    features = [
        {"type": "Feature", "geometry": a.boundary, "properties": {"code": a.code, "name": a.place_name}}
        for a in grids.select_related("parent").only("code", "name", "level", "boundary", "parent__name")[
            :2000
        ]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def report_duplicates(request):
    """htmx fragment for the report form: open cases of the chosen category near the pin, so the worker
    can stop and look before reporting the same thing twice."""
    query = duplicate_query(request.GET)
    found = possible_duplicates(request.user, *query, limit=5) if query else []
    return render(request, "cases/_duplicates.html", {"found": found})


def case_status_labels() -> dict:
    """A case's status key → its label, for the offline queue's "the case is now …" (the API answers the
    key; a page never shows it)."""
    return {str(value): str(label) for value, label in Status.choices}

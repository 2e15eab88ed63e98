"""Pages: a grid worker's phone pages (find a household, see its people, record a visit, follow-ups) and
community staff pages (coverage, lists with filters, import with progress, export, the access log).
Thin: the same selectors and services as the API."""

import datetime as dt
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grids.models import Area, Level
from grids.scope import scoped

from . import access, basemap, exports, import_jobs, imports, selectors, services, visits
from .forms import (
    BuildingForm,
    DwellingForm,
    ExportForm,
    HouseholdForm,
    HouseholdMoveForm,
    ImportForm,
    PersonForm,
    PersonGridForm,
    PersonLeaveForm,
    PersonMoveForm,
    PlaceForm,
    RevealForm,
    VisitForm,
    service_errors,
)
from .models import Building, GroupTag, Household, ImportJob, Person, PiiAccessLog, Place
from .throttles import IdNumberSearchThrottle

LEVEL_BELOW = {
    Level.DISTRICT: Level.STREET,
    Level.STREET: Level.COMMUNITY,
    Level.COMMUNITY: Level.GRID,
    Level.GRID: Level.MICROGRID,
}


@login_required
@require_GET
def base_layer(request):
    """The offline base layer as GeoJSON (residents/basemap.py): ``zoom``, ``bbox=west,south,east,north``."""
    fields = {}
    try:
        zoom = int(request.GET.get("zoom", "13"))
    except ValueError:
        fields["zoom"] = [_("A whole number from 0 to 22.")]
    bbox: tuple[float, ...] | None = None
    if request.GET.get("bbox"):
        try:
            bbox = tuple(float(v) for v in request.GET["bbox"].split(","))
        except ValueError:
            bbox = ()
        usable = len(bbox) == 4 and all(math.isfinite(v) for v in bbox)
        if not usable or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            fields["bbox"] = [_("Four numbers: west,south,east,north.")]
    if fields:
        return JsonResponse({"code": "invalid", "message": "", "fields": fields}, status=400)
    response = JsonResponse(basemap.base_layer(request.user, zoom=zoom, bbox=bbox))
    # Only the user's own browser keeps it (boundaries and buildings in their scope), for a few minutes.
    response["Cache-Control"] = "private, max-age=300"
    return response


def _require_reach(user):
    if not access.read_codes(user):
        raise Http404


def _areas(user, codes, levels):
    return scoped(user, Area.objects.filter(access.codes_q("code", codes), level__in=levels, is_active=True))


@login_required
def household_find(request):
    _require_reach(request.user)
    query = request.GET.get("q", "").strip()
    households = selectors.household_search(request.user, query)
    page = Paginator(households, 30).get_page(request.GET.get("page"))
    tasks = visits.task_list(request.user)[:5]
    return render(request, "residents/find.html", {"q": query, "page": page, "tasks": tasks})


@login_required
def household_detail(request, pk):
    household = get_object_or_404(
        scoped(request.user, Household.objects.select_related("area", "dwelling")), pk=pk
    )
    members = selectors.household_members(request.user, household)
    form = VisitForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        raise_case = (
            {"title": data["case_title"], "category": data["case_category"]} if data["raise_case"] else None
        )
        try:
            visit = services.visit_record(
                actor=request.user,
                household=household,
                person=data["person"],
                method=data["method"],
                notes=data["notes"],
                findings=data["findings"],
                lat=data["lat"],
                lon=data["lon"],
                raise_case=raise_case,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(None, f"{field}: {'; '.join(errors)}")
        else:
            messages.success(request, _("Visit recorded.") + (_(" Case reported.") if visit.case_id else ""))
            return redirect("residents:household", pk=household.pk)
    recent = scoped(request.user, household.visits.select_related("visitor", "person"))[:10]
    return render(
        request,
        "residents/household.html",
        {
            "household": household,
            "members": members,
            "form": form,
            "recent": recent,
            "may_unmask": access.can_unmask(request.user, household.area.code),
            "may_write": access.can_write(request.user, household.area.code),
            "reveal_form": RevealForm(),
        },
    )


@login_required
@require_POST
def person_reveal(request, pk):
    person = get_object_or_404(
        scoped(request.user, Person.objects.select_related("area", "household")), pk=pk
    )
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("State why you need to see the full number."))
        return (
            redirect("residents:household", pk=person.household_id)
            if person.household_id
            else redirect("residents:find")
        )
    values = services.pii_reveal(
        actor=request.user,
        person=person,
        fields=None,
        reason=form.cleaned_data["reason"],
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    response = render(request, "residents/reveal.html", {"person": person, "values": values})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def task_page(request):
    _require_reach(request.user)
    return render(request, "residents/tasks.html", {"tasks": visits.task_list(request.user)[:200]})


def _month(value):
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@login_required
def coverage_page(request):
    _require_reach(request.user)
    month = _month(request.GET.get("month"))
    within = request.GET.get("within", "")
    level = request.GET.get("level") or Level.GRID
    if level not in (Level.STREET, Level.COMMUNITY, Level.GRID):
        level = Level.GRID
    rows = visits.coverage_by_area(request.user, month=month, level=Level(level), within=within)
    months = [
        (timezone.localdate().replace(day=1) - dt.timedelta(days=31 * k)).replace(day=1) for k in range(6)
    ]
    return render(
        request,
        "residents/coverage.html",
        {
            "rows": rows,
            "total": visits.coverage_total(rows),
            "month": month,
            "months": months,
            "level": level,
            "within": within,
            "workers": visits.coverage_by_worker(request.user, month=month, within=within),
        },
    )


@login_required
def person_page(request):
    _require_reach(request.user)
    g = request.GET
    if not IdNumberSearchThrottle().allow_request(request, None):
        messages.error(request, _("Too many searches by ID number; try again later."))
        g = g.copy()
        g["id_number"] = ""
    persons = selectors.person_list(
        request.user,
        search=g.get("q", ""),
        id_number=g.get("id_number", ""),
        tag=g.get("tag", ""),
        area_code=g.get("within", ""),
        status=g.get("status", Person.Status.RESIDENT),
    )
    residence = g.get("residence_type", "")
    if residence:
        persons = persons.filter(residence_type=residence)
    page = Paginator(persons.order_by("area__code", "household__number", "id"), 50).get_page(g.get("page"))
    return render(
        request,
        "residents/persons.html",
        {
            "page": page,
            "filters": g,
            "tags": scoped(request.user, GroupTag.objects.filter(is_active=True)),
            "residence_types": Person.ResidenceType.choices,
            "statuses": Person.Status.choices,
            "areas": _areas(request.user, access.read_codes(request.user), [Level.COMMUNITY, Level.GRID]),
        },
    )


@login_required
def import_page(request):
    areas = _areas(request.user, access.write_codes(request.user), [Level.COMMUNITY, Level.GRID])
    if not areas:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        area = areas.get(code=form.cleaned_data["area"])
        job = import_jobs.import_start(actor=request.user, area=area, file=form.cleaned_data["file"])
        return redirect("residents:import-job", pk=job.pk)
    jobs = scoped(request.user, ImportJob.objects.select_related("area"))[:20]
    return render(request, "residents/import.html", {"form": form, "jobs": jobs})


@login_required
def import_job(request, pk):
    job = get_object_or_404(scoped(request.user, ImportJob.objects.select_related("area")), pk=pk)
    if request.GET.get("poll"):
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "percent": job.percent,
                "processed": job.processed_rows,
                "total": job.total_rows,
                "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            }
        )
    return render(request, "residents/import_job.html", {"job": job})


@login_required
def import_template(request):
    fmt = "csv" if request.GET.get("filetype") == "csv" else "xlsx"
    content, content_type, filename = imports.template_file(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_page(request):
    areas = _areas(request.user, access.export_codes(request.user), [Level.COMMUNITY, Level.GRID])
    if not areas:
        raise Http404
    form = ExportForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = exports.register_export(
                actor=request.user,
                area=areas.get(code=data["area"]),
                format=data["format"],
                unmasked=data["unmasked"],
                reason=data["reason"],
                remote_addr=request.META.get("REMOTE_ADDR"),
            )
        except PermissionDenied as exc:
            form.add_error("unmasked", str(exc))
        else:
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            return response
    return render(request, "residents/export.html", {"form": form})


@login_required
def access_log_page(request):
    entries = scoped(request.user, PiiAccessLog.objects.select_related("actor", "person"))
    if not access.log_codes(request.user):
        raise Http404
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "residents/access_log.html", {"page": page})


# --- register editing on the phone (入户采集) --------------------------------------------------------------
# The same services as the API: they check the grid (scope), the ID number and the phone, keep the history
# (ResidenceChange) and save nothing on bad input; their errors are shown next to the fields.


def _writable(user, levels=(Level.GRID, Level.MICROGRID)):
    return list(_areas(user, access.write_codes(user), list(levels)).order_by("code"))


def _require_write(user, area):
    if not access.can_write(user, area.code):
        raise PermissionDenied(_("You may not change the register of this area."))


def _buildings(user):
    return scoped(user, Building.objects.select_related("area")).filter(area__is_active=True).order_by("code")


def _map_context():
    conf = settings.GRIDGOV
    return {"tiles": conf.get("MAP_TILE_URL", ""), "attribution": conf.get("MAP_TILE_ATTRIBUTION", "")}


def _history(changes):
    return changes.select_related("from_area", "to_area", "actor", "from_household", "to_household").order_by(
        "-happened_on", "-created_at"
    )[:50]


@login_required
def register_map_json(request):
    """The grids, buildings and places in reach, for the register's map (points drawn without any tiles)."""
    _require_reach(request.user)
    grids = scoped(
        request.user, Area.objects.filter(level__in=[Level.GRID, Level.MICROGRID], is_active=True)
    ).exclude(boundary=None)
    features = [
        {"type": "Feature", "geometry": a.boundary, "properties": {"kind": "grid", "name": a.name}}
        for a in grids.only("code", "name", "boundary")[:MAP_LIMIT]
    ]
    for kind, rows, url in (
        ("building", scoped(request.user, Building.objects.all()), "residents:building"),
        ("place", scoped(request.user, Place.objects.filter(is_active=True)), "residents:place"),
    ):
        for row in rows.exclude(lat=None).exclude(lon=None).only("id", "name", "lat", "lon")[:MAP_LIMIT]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                    "properties": {"kind": kind, "name": row.name, "url": reverse(url, args=[row.pk])},
                }
            )
    return JsonResponse({"type": "FeatureCollection", "features": features})


MAP_LIMIT = 2000


def _place(data) -> dict:
    """Where a household lives, as the settle and resettle services take it."""
    return {name: data[name] for name in ("area", "building", "unit", "room", "address")}


@login_required
def household_new(request):
    areas = _writable(request.user)
    if not areas:
        raise Http404
    form = HouseholdForm(request.POST or None, areas=areas, buildings=_buildings(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = services.household_settle(
                actor=request.user,
                number=data["number"],
                **_place(data),
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("Household registered."))
            return redirect("residents:household", pk=household.pk)
    return render(request, "residents/household_form.html", {"form": form})


@login_required
def household_edit(request, pk):
    household = get_object_or_404(
        scoped(request.user, Household.objects.select_related("area", "dwelling__building")), pk=pk
    )
    _require_write(request.user, household.area)
    dwelling = household.dwelling
    initial = {"area": household.area.code, "address": household.address}
    if dwelling is not None:
        initial.update(building=dwelling.building_id, unit=dwelling.unit, room=dwelling.room, address="")
    form = HouseholdMoveForm(
        request.POST or None,
        initial=initial,
        areas=_writable(request.user),
        buildings=_buildings(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.household_resettle(
                actor=request.user,
                household=household,
                **_place(data),
                on=data["on"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("Household moved; the move is kept in its history."))
            return redirect("residents:household", pk=household.pk)
    return render(
        request,
        "residents/household_edit.html",
        {"household": household, "form": form, "history": _history(household.moves.all())},
    )


@login_required
def person_new(request):
    household = None
    if request.GET.get("household"):
        household = get_object_or_404(
            scoped(request.user, Household.objects.select_related("area")), pk=request.GET["household"]
        )
        _require_write(request.user, household.area)
    elif not _writable(request.user):
        raise Http404
    form = PersonForm(request.POST or None)
    grid_form = PersonGridForm(request.POST or None, areas=_writable(request.user), prefix="grid")
    if request.method == "POST" and form.is_valid() and (household or grid_form.is_valid()):
        try:
            person = services.person_register(
                actor=request.user,
                household=household,
                area=None if household else grid_form.cleaned_data["area"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added to the register.") % {"name": person.name})
            if household:
                return redirect("residents:household", pk=household.pk)
            return redirect("residents:person", pk=person.pk)
    return render(
        request,
        "residents/person_form.html",
        {"form": form, "household": household, "grid_form": None if household else grid_form},
    )


@login_required
def person_edit(request, pk):
    people = scoped(request.user, Person.objects.select_related("area", "household"))
    person = get_object_or_404(people, pk=pk)
    _require_write(request.user, person.area)
    which = request.POST.get("action", "") if request.method == "POST" else ""
    initial = {
        f: getattr(person, f)
        for f in ("name", "id_type", "gender", "ethnicity", "residence_type", "relation")
    }
    form = PersonForm(request.POST if which == "details" else None, initial=initial, person=person)
    households = scoped(request.user, Household.objects.select_related("area"))
    move_form = PersonMoveForm(
        request.POST if which == "move" else None, households=households, prefix="move"
    )
    leave_form = PersonLeaveForm(request.POST if which == "leave" else None, prefix="leave")
    chosen = {"details": form, "move": move_form, "leave": leave_form}.get(which)
    if chosen is not None and chosen.is_valid():
        data = chosen.cleaned_data
        try:
            if which == "details":
                services.person_update(actor=request.user, person=person, **form.service_kwargs())
                done = _("Saved.")
            elif which == "move":
                services.person_move(
                    actor=request.user,
                    person=person,
                    household=data["household"],
                    relation=data["relation"] or None,
                    on=data["on"],
                    reason=data["reason"],
                )
                done = _("Moved; the move is kept in the history.")
            else:
                services.person_leave(
                    actor=request.user,
                    person=person,
                    status=data["status"],
                    on=data["on"],
                    reason=data["reason"],
                )
                done = _("Recorded; the person stays in the register's history.")
        except ValidationError as exc:
            service_errors(chosen, exc)
        else:
            messages.success(request, done)
            return redirect("residents:person", pk=person.pk)
    return render(
        request,
        "residents/person_edit.html",
        {
            "person": person,
            "form": form,
            "move_form": move_form,
            "leave_form": leave_form,
            "open": which,
            "history": _history(person.moves.all()),
        },
    )


@login_required
def building_list(request):
    _require_reach(request.user)
    query = request.GET.get("q", "").strip()
    rows = scoped(request.user, Building.objects.select_related("area")).order_by("area__code", "code")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "residents/buildings.html",
        {"page": page, "q": query, "map": _map_context(), "may_add": bool(_writable(request.user))},
    )


def _building_form_page(request, building):
    areas = _writable(request.user)
    if not areas:
        raise Http404
    initial = {}
    if building is not None:
        initial = {f: getattr(building, f) for f in BuildingForm.base_fields if f != "area"}
        initial["area"] = building.area.code
    which = request.POST.get("action", "building") if request.method == "POST" else ""
    form = BuildingForm(request.POST if which == "building" else None, initial=initial, areas=areas)
    dwelling_form = DwellingForm(request.POST if which == "dwelling" else None, prefix="dwelling")
    if which == "building" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = services.building_save(actor=request.user, building=building, **data)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("Building saved."))
            return redirect("residents:building", pk=saved.pk)
    if which == "dwelling" and building is not None and dwelling_form.is_valid():
        try:
            services.dwelling_save(actor=request.user, building=building, **dwelling_form.cleaned_data)
        except ValidationError as exc:
            service_errors(dwelling_form, exc)
        else:
            messages.success(request, _("Dwelling added."))
            return redirect("residents:building", pk=building.pk)
    dwellings = building.dwellings.prefetch_related("households").order_by("unit", "room") if building else []
    return render(
        request,
        "residents/building_form.html",
        {
            "building": building,
            "form": form,
            "dwelling_form": dwelling_form,
            "dwellings": dwellings,
            "map": _map_context(),
        },
    )


@login_required
def building_new(request):
    return _building_form_page(request, None)


@login_required
def building_edit(request, pk):
    building = get_object_or_404(scoped(request.user, Building.objects.select_related("area")), pk=pk)
    _require_write(request.user, building.area)
    return _building_form_page(request, building)


@login_required
def place_list(request):
    _require_reach(request.user)
    query = request.GET.get("q", "").strip()
    rows = scoped(request.user, Place.objects.select_related("area")).order_by("area__code", "name")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(address__icontains=query))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "residents/places.html",
        {"page": page, "q": query, "map": _map_context(), "may_add": bool(_writable(request.user))},
    )


def _place_form_page(request, place):
    areas = _writable(request.user)
    if not areas:
        raise Http404
    initial = {"is_active": True}
    if place is not None:
        initial = {f: getattr(place, f) for f in PlaceForm.base_fields if f not in ("area", "contact_phone")}
        initial["area"] = place.area.code
    form = PlaceForm(request.POST or None, initial=initial, areas=areas, place=place)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.place_save(actor=request.user, place=place, **form.service_kwargs())
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("Place saved."))
            return redirect("residents:place", pk=saved.pk)
    return render(request, "residents/place_form.html", {"place": place, "form": form, "map": _map_context()})


@login_required
def place_new(request):
    return _place_form_page(request, None)


@login_required
def place_edit(request, pk):
    place = get_object_or_404(scoped(request.user, Place.objects.select_related("area")), pk=pk)
    _require_write(request.user, place.area)
    return _place_form_page(request, place)

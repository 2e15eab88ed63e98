"""The district centre's command map and the grid workers' patrol page (thin: the reads are selectors)."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from duty.selectors import on_duty
from gridgov.basemap import map_context
from grids.models import Role
from grids.scope import reach

from . import adjustments, selectors, services
from .forms import AdjustForm, TrackDayForm, ViewBoxForm
from .models import PatrolLast, TrackAccessLog

MAP_LABELS = {
    "grids": _("Grid load"),
    "cases": _("Open cases"),
    "patrols": _("Grid workers on patrol"),
    "open": _("open"),
    "warning": _("warning"),
    "overdue": _("overdue"),
    "supervised": _("supervised"),
    "openCase": _("Open the case"),
    "minutesAgo": _("minutes ago"),
    "showTrack": _("Today's track"),
    "trackLogged": _("Looking at a track is logged."),
    "noTrack": _("No points today."),
    "outside": _("outside the district"),
    "legend": _("Open cases per grid"),
    "overdueEdge": _("red edge: has overdue cases"),
}
PATROL_LABELS = {
    "off": _("Off patrol: your position is not shared."),
    "waiting": _("On patrol: waiting for your location…"),
    "on": _("On patrol: your position is shared every 30 seconds."),
    "start": _("Start patrol"),
    "stop": _("Stop patrol"),
    "denied": _("Location is blocked: allow it for this site in the browser settings."),
    "unavailable": _("No location yet: go outdoors or switch on GPS."),
    "failed": _("Not sent (no connection): it will be sent again."),
    "unsupported": _("This browser cannot share a location."),
    "outside": _("You are outside the district's grids."),
    "refused": _("The server refused this point:"),
}


def _map_settings():
    return map_context()


def _roots(request):
    """The areas the user watches on the map; 403 for users with no map role."""
    roots = selectors.map_roots(request.user)
    if not roots:
        raise PermissionDenied
    return roots


def _invalid(form):
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return JsonResponse({"code": "invalid", "message": "", "fields": fields}, status=400)


def _supervises(user):
    return reach(user).is_superuser or bool(reach(user).codes(selectors.SUPERVISOR_ROLES))


# --- The map page and its partials -----------------------------------------------------------------


@login_required
@require_GET
def map_page(request):
    roots = selectors.map_roots(request.user)
    if not roots:
        if reach(request.user).codes([Role.GRID_WORKER]):
            return redirect("command:patrol")  # a grid worker's part of this app is the patrol page
        raise PermissionDenied
    return render(
        request,
        "command/map.html",
        {
            "map": _map_settings(),
            "counts": selectors.board_counts(request.user, roots),
            "overdue": selectors.overdue_cases(request.user, roots),
            "supervised": selectors.supervised_cases(request.user, roots),
            "patrols": _supervises(request.user),
            "active_minutes": selectors.ACTIVE_MINUTES,
            "labels": MAP_LABELS,
            # Who is on duty now in the units the watcher sees (the duty app's panel, issue 19 §3).
            "on_duty": list(on_duty(request.user)[:60]),
        },
    )


@login_required
@require_GET
def counts_partial(request):
    counts = selectors.board_counts(request.user, _roots(request))
    return render(request, "command/_counts.html", {"counts": counts})


@login_required
@require_GET
def overdue_partial(request):
    cases = selectors.overdue_cases(request.user, _roots(request))
    return render(request, "command/_overdue.html", {"overdue": cases})


@login_required
@require_GET
def supervised_partial(request):
    cases = selectors.supervised_cases(request.user, _roots(request))
    return render(request, "command/_supervised.html", {"supervised": cases})


# --- Map data ------------------------------------------------------------------------------------------


@login_required
@require_GET
def grids_json(request):
    """The grids' boundaries (cached, with an ETag: browsers revalidate instead of downloading again)."""
    etag, text = selectors.grid_boundaries(_roots(request))
    quoted = f'"{etag}"'
    if request.headers.get("If-None-Match") == quoted:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(text, content_type="application/json")
    response["ETag"] = quoted
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def grid_load_json(request):
    """Open, warning, overdue and supervised counts per grid, for colouring the grids (polled)."""
    return JsonResponse(selectors.grid_load_body(request.user, _roots(request)))


@login_required
@require_GET
def cases_json(request):
    """Open cases in ``bbox`` at ``zoom``: clusters, or markers when few."""
    roots = _roots(request)
    form = ViewBoxForm(request.GET)
    if not form.is_valid():
        return _invalid(form)
    box = form.cleaned_data["bbox"]
    return JsonResponse(selectors.cases_in_view(request.user, roots, zoom=form.cleaned_data["zoom"], **box))


@login_required
@require_GET
def patrol_last_json(request):
    """Where the workers one supervises are now (last point within the active window)."""
    if not _supervises(request.user):
        raise PermissionDenied
    now = timezone.now()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "user": p.user_id,
                "name": str(p.user),
                "recorded_at": p.recorded_at.isoformat(),
                "minutes_ago": int((now - p.recorded_at).total_seconds() // 60),
                "accuracy_m": p.accuracy_m,
                "area_code": p.area_code,
                "inside": p.inside,
                "track": reverse("command:track", args=[p.user_id]),
            },
        }
        for p in selectors.active_last_positions(request.user, now=now)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _day_bounds(day):
    start = timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
    return start, start + timedelta(days=1)


@login_required
@require_GET
def patrol_track_json(request, user_id):
    """One worker's track for one local day; only the worker and their supervisors, every look logged."""
    if not selectors.may_see_track(request.user, user_id):
        raise Http404
    form = TrackDayForm(request.GET)
    if not form.is_valid():
        return _invalid(form)
    day = form.cleaned_data["date"] or timezone.localdate()
    start, end = _day_bounds(day)
    points = list(selectors.track_of(user_id, start, end))
    services.track_access_record(
        viewer=request.user, subject_ids=[user_id], start=start, end=end, via=TrackAccessLog.Via.MAP
    )
    return JsonResponse(
        {
            "user": user_id,
            "date": day.isoformat(),
            "points": [
                {
                    "lat": p["lat"],
                    "lon": p["lon"],
                    "accuracy_m": p["accuracy_m"],
                    "recorded_at": p["recorded_at"].isoformat(),
                    "area_code": p["area_code"],
                }
                for p in points
            ],
        }
    )


# --- The grid worker's patrol page ---------------------------------------------------------------------


@login_required
@require_GET
def patrol_page(request):
    if not reach(request.user).codes([Role.GRID_WORKER]):
        raise PermissionDenied
    last = PatrolLast.objects.filter(user=request.user).first()
    return render(
        request,
        "command/patrol.html",
        {
            "last": last,
            "map": _map_settings(),
            "retention_days": selectors.retention_days(),
            "interval_seconds": 30,
            "labels": PATROL_LABELS,
        },
    )


# --- Grid adjustment (网格动态调整) ----------------------------------------------------------------------

ADJUST_FIELDS = {
    "team_to": "team_to",
    "geojson": "geojson",
    "grids": "grids",
    "grid": "grids",
    "area": "grids",
    "parent": "grids",
    "name": "name",
}
ADJUST_LABELS = {
    "draw": _("Draw"),
    "finish": _("Finish shape"),
    "clear": _("Clear"),
    "drawing": _("Tap the map to add corners; finish when the shape is closed."),
    "before": _("Before"),
    "after": _("After"),
}


def _adjust_errors(form, exc):
    """A service's errors beside the field they concern; boundary errors beside the GeoJSON."""
    if not hasattr(exc, "error_dict"):
        form.add_error("geojson", exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key in ADJUST_FIELDS:
            form.add_error(ADJUST_FIELDS[key], errors)
        elif key.startswith("parts") or key.endswith("boundary"):
            form.add_error("geojson", errors)
        else:
            form.add_error(None, errors)


def _adjust_request(data) -> adjustments.Request:
    kind, grids, note = data["kind"], data["grid_rows"], data["note"]
    if kind == adjustments.MERGE:
        return adjustments.Request(kind=kind, grids=grids, name=data["name"].strip(), note=note)
    try:
        drawn = adjustments.polygons(data["shape"])
        if kind == adjustments.SPLIT:
            names = [data["name"].strip(), data["name_rest"].strip()]
            parts = adjustments.split_parts(grids[0], drawn, names)
            return adjustments.Request(
                kind=kind, grids=grids, parts=parts, note=note, team_to=data.get("team_to")
            )
        if len(drawn) != 1:
            raise ValidationError(_("A redraw takes one boundary."))
    except ValidationError as exc:
        raise ValidationError({"geojson": exc.messages}) from exc
    return adjustments.Request(kind=kind, grids=grids, boundary=drawn[0]["geometry"], note=note)


@login_required
def adjust_page(request):
    """Split, merge or redraw grids: choose, draw or upload, preview what moves, then confirm."""
    if not adjustments.centre_codes(request.user):
        raise PermissionDenied
    grids = list(adjustments.adjustable_grids(request.user))
    form = AdjustForm(request.POST or None, request.FILES or None, grids=grids)
    preview = None
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("file"):
            # The preview page carries the uploaded shape as text, so that confirming sends the same shape.
            data = request.POST.copy()
            data["geojson"] = form.cleaned_data["geojson"]
            form = AdjustForm(data, grids=grids)
            form.is_valid()
        try:
            wanted = _adjust_request(form.cleaned_data)
            if request.POST.get("step") == "confirm":
                result, rehomed = adjustments.adjustment_apply(actor=request.user, request=wanted)
                messages.success(request, _("The grids were adjusted; the change is in the history below."))
                for warning in result.warnings:
                    messages.warning(request, warning)
                for placement in rehomed.placements() if rehomed else ():
                    messages.info(
                        request,
                        _("%(count)s × %(kind)s moved to %(grid)s.")
                        % {"count": placement.count, "kind": placement.label, "grid": placement.name},
                    )
                for row in rehomed.unplaced if rehomed else ():
                    if row.kind != "membership":
                        messages.warning(
                            request,
                            _(
                                "%(kind)s %(name)s lies in none of the new grids: "
                                "it stays on %(area)s, place it by hand."
                            )
                            % {"kind": row.label, "name": row.name, "area": row.area_name},
                        )
                for membership in result.unassigned_memberships:
                    messages.warning(
                        request,
                        _("%(user)s (%(role)s) stays on the retired %(area)s: assign them anew.")
                        % {
                            "user": membership.user,
                            "role": membership.get_role_display(),
                            "area": membership.area.name,
                        },
                    )
                return redirect("command:adjust")
            preview = adjustments.adjustment_preview(actor=request.user, request=wanted)
        except ValidationError as exc:
            _adjust_errors(form, exc)
    outlines = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g.boundary, "properties": {"code": g.code, "name": g.name}}
            for g in grids
            if g.boundary
        ],
    }
    return render(
        request,
        "command/adjust.html",
        {
            "form": form,
            "preview": preview,
            "preview_geojson": preview.geojson() if preview else None,
            "grids_geojson": outlines,
            "history": adjustments.change_history(request.user),
            "map": _map_settings(),
            "labels": ADJUST_LABELS,
        },
    )

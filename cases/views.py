"""Server-rendered case pages: queues, the report form, the case page and its action forms.

Every read goes through ``cases_visible_to`` (out of scope → 404) and every write through a service in
``cases.services``; action input is validated with the API's serializers from ``cases.api_actions``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition

from dispatch.models import Department
from grids.models import CODE_LENGTH, Area, Level, Role
from grids.scope import prefix_q, reach, scoped

from . import services
from .api_actions import ACTIONS, BY_NAME, BY_TRANSITION, actions_for
from .extra_fields import display_extra
from .forms import ACTION_FIELDS, CAUTION_ACTIONS, ReportForm, minor_categories_for
from .models import Attachment, Category, CloseType, LimitUnit, Source
from .selectors import case_timeline, cases_visible_to
from .serializers import EvaluateSerializer
from .workflow import OPEN, Status

PAGE_SIZE = 30
ACTION_ORDER = [a.name for a in ACTIONS]
SATISFACTIONS = EvaluateSerializer().fields["satisfaction"].choices
EVENT_LABELS = {
    **{transition: action.label for transition, action in BY_TRANSITION.items()},
    "report": gettext_lazy("Reported"), "self_handle": gettext_lazy("Self-handled on the spot"),
    "attach": gettext_lazy("Files added"), "correct_area": gettext_lazy("Grid corrected"),
    "warning": gettext_lazy("Warning: time nearly up"), "overdue": gettext_lazy("Overdue"),
}
STAFF_ROLES = [Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE]
WORKER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER]


# --- Queues ------------------------------------------------------------------------------------------

def _queues(user):
    """(key, label, Q) of the queues this user works from, in tab order."""
    r = reach(user)
    queues = []
    if r.codes(WORKER_ROLES):
        queues += [
            ("to_verify_mine", gettext_lazy("To verify in my grids"),
             Q(status__in=[Status.HANDLED, Status.SELF_HANDLED]) & prefix_q("area_code", r.codes(WORKER_ROLES))),
            ("my_reports", gettext_lazy("My reports"), Q(reporter_id=user.pk)),
        ]
    if r.department_ids:
        queues.append(("my_unit", gettext_lazy("My unit's queue"),
                       Q(handling_department_id__in=r.department_ids,
                         status__in=[Status.DISPATCHED, Status.ACCEPTED])))
    if r.codes(STAFF_ROLES) or r.is_superuser:
        queues += [
            ("to_file", gettext_lazy("To file"), Q(status=Status.REPORTED)),
            ("to_dispatch", gettext_lazy("To dispatch"), Q(status=Status.FILED)),
            ("handling", gettext_lazy("Being handled"), Q(status__in=[Status.DISPATCHED, Status.ACCEPTED])),
            ("to_verify", gettext_lazy("To verify"), Q(status__in=[Status.HANDLED, Status.SELF_HANDLED])),
            ("to_close", gettext_lazy("To close"), Q(status=Status.VERIFIED)),
            ("overdue", gettext_lazy("Overdue"), Q(alert="red", status__in=OPEN)),
            ("supervised", gettext_lazy("Supervised"), Q(is_supervised=True, status__in=OPEN)),
        ]
    queues.append(("all", gettext_lazy("All"), Q()))
    return queues


def _filtered(qs, params):
    if params.get("status") in Status.values:
        qs = qs.filter(status=params["status"])
    if params.get("category"):
        qs = qs.filter(Q(category__code=params["category"]) | Q(category__parent__code=params["category"]))
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(address__icontains=text))
    return qs


@login_required
@require_GET
def case_list(request):
    queues = _queues(request.user)
    visible = _filtered(cases_visible_to(request.user), request.GET)
    counts = visible.aggregate(**{key: Count("id", filter=q) for key, _label, q in queues})
    current = request.GET.get("queue") or queues[0][0]
    q = dict((key, q) for key, _label, q in queues).get(current)
    if q is None:
        raise Http404
    rows = visible.filter(q).select_related("category", "area", "handling_department").order_by("-id")
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(id__lt=int(after))  # keyset paging: page N costs what page 1 costs
    page = list(rows[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    keep = request.GET.copy()
    keep.pop("after", None)
    return render(request, "cases/list.html", {
        "tabs": [(key, label, counts[key]) for key, label, _q in queues], "current": current, "cases": page,
        "next_after": page[-1].pk if more else None, "keep": keep.urlencode(), "statuses": Status.choices,
        "categories": Category.objects.filter(parent__isnull=True, is_active=True),
        "filters": {k: request.GET.get(k, "") for k in ("status", "category", "q")},
    })


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
    return render(request, "cases/report.html", {
        "form": form, "favourites": favourites, "minors": minors, "map": _map_settings(),
        "extra_forms": _extra_forms(minors, form, request.POST),
    }, status=status)


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
            specs.append({
                **spec, "name": name, "id": f"extra-{category.code}-{spec['code']}",
                "input_type": INPUT_TYPES.get(spec.get("datatype"), "text"), "value": kept[0] if kept else "",
                "choices": [(str(v["key"]), v["name"], str(v["key"]) in kept) for v in spec.get("values", [])],
                "errors": errors.get(spec["code"], []) if mine else [],
            })
        forms_.append((category, specs))
    return forms_


def _report(request, form):
    data = form.cleaned_data
    self_handled = data["self_handled"]
    try:
        result = services.case_report(
            actor=request.user, category=data["category"], title=data["title"], description=data["description"],
            lat=data["lat"], lon=data["lon"], address=data["address"], extra=form.extra_values(request.POST),
            source=Source.SELF_HANDLED if self_handled else Source.PATROL,
            self_handled_result=data["self_handled_result"] if self_handled else "",
            idempotency_key=data["idempotency_key"], before_photos=request.FILES.getlist("photos"),
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


def _map_settings():
    from django.conf import settings

    conf = settings.GRIDGOV
    return {"tiles": conf.get("MAP_TILE_URL", ""), "attribution": conf.get("MAP_TILE_ATTRIBUTION", "")}


@login_required
@require_GET
def grid_boundaries(request):
    """The user's grids as GeoJSON, so the map works without any tile server."""
    grids = scoped(request.user, Area.objects.filter(level__in=[Level.GRID, Level.MICROGRID], is_active=True))
    grids = grids.exclude(boundary=None)
    features = [{"type": "Feature", "geometry": a.boundary, "properties": {"code": a.code, "name": a.name}}
                for a in grids.only("code", "name", "boundary")[:2000]]
    return JsonResponse({"type": "FeatureCollection", "features": features})


# --- The case page and its actions -------------------------------------------------------------------

def _visible_case(user, pk):
    qs = cases_visible_to(user).select_related("category", "category__parent", "area", "handling_department",
                                              "handling_area", "reporter")
    return get_object_or_404(qs, pk=pk)


@login_required
@require_GET
def case_detail(request, pk):
    case = _visible_case(request.user, pk)
    return _render_detail(request, case)


def _render_detail(request, case, *, open_action="", errors=None, values=None, status=200):
    names = sorted(actions_for(case, request.user), key=ACTION_ORDER.index)  # the loop's order, every time
    actions = [{"name": n, "label": BY_NAME[n].label, "fields": ACTION_FIELDS.get(n, ["comment"]),
                "caution": n in CAUTION_ACTIONS, "values": (values or {}) if n == open_action else {},
                "errors": (errors or {}) if n == open_action else {}} for n in names]
    events = list(case_timeline(case))
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)
    extra = display_extra(case.category, case.extra)
    return render(request, "cases/detail.html", {
        "case": case, "actions": actions, "events": events, "extra": extra,
        "photos": list(case.attachments.exclude(thumbnail="").order_by("id")),
        "documents": list(case.attachments.filter(thumbnail="").order_by("id")),
        "open_action": open_action, "errors": errors or {}, "values": values or {}, "map": _map_settings(),
        "dispatch_choices": _dispatch_choices(case) if "dispatch" in names else ([], []),
        "units": LimitUnit.choices, "close_types": [c for c in CloseType.choices if c[0] != "merged"],
        "satisfactions": SATISFACTIONS.items(),
        "satisfaction_label": SATISFACTIONS.get(case.satisfaction, case.satisfaction),
    }, status=status)


def _dispatch_choices(case):
    """(departments, teams) as (unit, suggested) pairs: the routing suggestions first, then the rest."""
    from dispatch.routing import routing_suggest

    suggestions = routing_suggest(case)
    suggested_departments = [s.department for s in suggestions if s.department]
    suggested_teams = [s.team for s in suggestions if s.team]
    others = Department.objects.filter(is_active=True).exclude(pk__in=[d.pk for d in suggested_departments])
    codes = {case.area_code[: CODE_LENGTH[level]] for level in (Level.COMMUNITY, Level.GRID)} | {case.area_code}
    own_teams = Area.objects.filter(code__in=codes, level__in=[Level.GRID, Level.MICROGRID, Level.COMMUNITY],
                                    is_active=True).exclude(pk__in=[t.pk for t in suggested_teams])
    departments = [(d, True) for d in suggested_departments] + [(d, False) for d in others.order_by("code")]
    teams = [(t, True) for t in suggested_teams] + [(t, False) for t in own_teams.order_by("code")]
    return departments, teams


@login_required
@require_POST
def case_act(request, pk, name):
    case = _visible_case(request.user, pk)
    action = BY_NAME.get(name)
    if action is None:
        raise Http404
    if name not in actions_for(case, request.user):
        messages.error(request, _("“%(action)s” is not possible for you on this case now.") % {"action": action.label})
        return redirect("cases:detail", pk=case.pk)
    data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and v != ""}
    if "photos" in ACTION_FIELDS.get(name, ()):
        data["photos"] = request.FILES.getlist("photos")
    serializer = action.serializer(data=data)
    if not serializer.is_valid():
        return _action_failed(request, case, name, serializer.errors)
    try:
        action.call(case_id=case.pk, actor=request.user, **dict(serializer.validated_data))
    except services.StaleVersion:
        messages.error(request, _("Someone changed this case after you opened it. The page now shows the "
                                  "current state: check it and try again."))
        return redirect("cases:detail", pk=case.pk)
    except ConcurrentTransition:
        messages.error(request, _("Someone else changed this case at the same moment. Reload and try again."))
        return redirect("cases:detail", pk=case.pk)
    except (services.ActionNotAllowed, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("cases:detail", pk=case.pk)
    except ValidationError as exc:
        return _action_failed(request, case, name, getattr(exc, "message_dict", {"__all__": exc.messages}))
    messages.success(request, _("Done: %(action)s.") % {"action": action.label})
    return redirect("cases:detail", pk=case.pk)


def _action_failed(request, case, name, errors):
    """The case page again with this action's form open, its input kept and the errors by its fields."""
    errors = {("general" if k in ("non_field_errors", "__all__") else k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
              for k, v in errors.items()}
    values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    return _render_detail(request, case, open_action=name, errors=errors, values=values, status=400)


# --- Photos through the scope ----------------------------------------------------------------------

@login_required
@require_GET
def attachment_file(request, pk, thumbnail=False):
    """A case file, only for users who may see the case; never a public media URL."""
    attachment = get_object_or_404(scoped(request.user, Attachment.objects.all()), pk=pk)
    stored = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    if thumbnail and not attachment.thumbnail:
        raise Http404
    mime = "image/jpeg" if thumbnail else attachment.mime
    response = FileResponse(stored.open("rb"), content_type=mime)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if not mime.startswith("image/"):
        response["Content-Disposition"] = "attachment"
    return response

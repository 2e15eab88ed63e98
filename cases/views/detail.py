"""The case page: facts, photos, map, timeline, and the actions this user may take now, each as a button that
opens a small form. Workflow actions post to ``case_act``; grid corrections have a view of their own in
``cases.views.site``, and the apps above add theirs through ``cases.extensions`` (dispatch: whistles). A
refused form shows the page again with that form open, its input kept and the errors next to the fields
(status 400)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from gridgov.stored_files import stored_file_response
from grids.models import CODE_LENGTH, Area, Department, Level
from grids.scope import reach, scoped

from .. import extensions, services, uploads
from ..api_actions import ACTIONS, BY_NAME
from ..duplicates import duplicates_near
from ..extra_fields import display_extra
from ..forms import ACTION_FIELDS, CAUTION_ACTIONS
from ..models import Attachment, Case, CloseType, LimitUnit
from ..moderation import may_moderate
from ..selectors import canned_replies_for, case_timeline_for, cases_visible_to, unit_members
from ..serializers import EvaluateSerializer
from ..transitions import actions_for
from ..workflow import FINAL, is_case_unit, is_handler, leads_handling_unit, may_write_notes
from .report import map_settings

ACTION_ORDER = [a.name for a in ACTIONS]
SATISFACTIONS = EvaluateSerializer().fields["satisfaction"].choices
CHANNELS = EvaluateSerializer().fields["channel"].choices


def visible_case(user, pk):
    qs = cases_visible_to(user).select_related(
        "category",
        "category__parent",
        "area__parent",
        "handling_department",
        "handling_area",
        "reporter",
        "duplicate_of",
        "assignee",
    )
    return get_object_or_404(qs, pk=pk)


@login_required
@require_GET
def case_detail(request, pk):
    case = visible_case(request.user, pk)
    return render_detail(request, case)


def render_detail(request, case, *, open_action="", errors=None, values=None, status=200):
    user = request.user
    names = sorted(actions_for(case, user), key=ACTION_ORDER.index)  # the loop's order, every time
    actions = [
        {
            "name": n,
            "label": BY_NAME[n].label,
            "fields": ACTION_FIELDS.get(n, ["comment"]),
            "caution": n in CAUTION_ACTIONS,
            "values": (values or {}) if n == open_action else {},
            "errors": (errors or {}) if n == open_action else {},
        }
        for n in names
    ]
    side = side_actions(case, user, open_action=open_action, errors=errors, values=values)
    # Notes and the named handler: a card of their own under the actions (cases.views.handling).
    handling = _with_input(handling_actions(case, user), open_action, errors, values)
    events = list(case_timeline_for(case, user))  # internal notes only for those who read them
    for event in events:
        event.elsewhere = event.case_id != case.pk  # from a duplicate merged into this case
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "actions": actions,
            "side_actions": side,
            "handling_actions": handling,
            "events": events,
            "extra": display_extra(case.category, case.extra),
            "photos": list(case.attachments.exclude(thumbnail="").order_by("id")),
            "moderates": may_moderate(case, user),
            "documents": list(case.attachments.filter(thumbnail="").order_by("id")),
            "open_action": open_action,
            "errors": errors or {},
            "values": values or {},
            "map": map_settings(),
            "dispatch_choices": dispatch_choices(case) if "dispatch" in names else ([], []),
            "units": LimitUnit.choices,
            "close_types": [c for c in CloseType.choices if c[0] != "merged"],
            "satisfactions": SATISFACTIONS.items(),
            "channels": _channels(case, user) if "evaluate" in names else [],
            "satisfaction_label": SATISFACTIONS.get(case.satisfaction, case.satisfaction),
            "merge_candidates": _merge_candidates(case, user) if "merge" in names else [],
            **extensions.extra_page_context(case, user),
        },
        status=status,
    )


def may_correct_area(case, user) -> bool:
    return case.status not in FINAL and is_case_unit(case, user)


def side_actions(case, user, *, open_action="", errors=None, values=None):
    """The extra buttons of the case page, each with what its form needs: those the apps above add
    first, then the case's own."""
    side = extensions.extra_side_actions(case, user)
    if may_correct_area(case, user):
        side.append(
            {
                "name": "correct-area",
                "label": gettext_lazy("Correct the grid"),
                "template": "cases/_correct_area_form.html",
                "grids": _grid_choices(case, user),
            }
        )
    return _with_input(side, open_action, errors, values)


def _with_input(forms, open_action, errors, values):
    """The open form gets back what was typed and its errors; the others start empty."""
    for action in forms:
        mine = action["name"] == open_action
        action["values"] = (values or {}) if mine else {}
        action["errors"] = (errors or {}) if mine else {}
    return forms


def _grid_choices(case, user):
    """Active grids of the case's street that the user reaches (the service refuses any other)."""
    street = case.area_code[: CODE_LENGTH[Level.STREET]]
    grids = Area.objects.filter(
        code__startswith=street, level__in=[Level.GRID, Level.MICROGRID], is_active=True
    )
    r = reach(user)
    return [
        g
        for g in grids.only("code", "name", "level").order_by("code")
        if user.is_superuser or r.covers(g.code)
    ]


def _merge_candidates(case, user):
    """Open cases of the same kind near this one: the likely originals to merge a duplicate into."""
    if case.lat is None or case.lon is None:
        return []
    return duplicates_near(cases_visible_to(user), case.category, case.lat, case.lon, exclude=case, limit=5)


def _channels(case, user):
    """How this user's rating reaches the case: as the reporter, or as a phone callback staff record."""
    channels = []
    if case.reporter_id == user.pk:
        channels.append(("reporter", CHANNELS["reporter"]))
    if is_case_unit(case, user):
        channels.append(("phone", CHANNELS["phone"]))
    return channels


def dispatch_choices(case):
    """(departments, teams) as (unit, suggested) pairs: the routing suggestions first, then the rest."""
    suggestions = extensions.routing_suggestions(case)
    suggested_departments = [s.department for s in suggestions if s.department]
    suggested_teams = [s.team for s in suggestions if s.team]
    others = Department.objects.filter(is_active=True).exclude(pk__in=[d.pk for d in suggested_departments])
    codes = {case.area_code[: CODE_LENGTH[level]] for level in (Level.COMMUNITY, Level.GRID)} | {
        case.area_code
    }
    own_teams = Area.objects.filter(
        code__in=codes, level__in=[Level.GRID, Level.MICROGRID, Level.COMMUNITY], is_active=True
    ).exclude(pk__in=[t.pk for t in suggested_teams])
    departments = [(d, True) for d in suggested_departments] + [(d, False) for d in others.order_by("code")]
    teams = [(t, True) for t in suggested_teams] + [(t, False) for t in own_teams.order_by("code")]
    return departments, teams


@login_required
@require_POST
def case_act(request, pk, name):
    case = visible_case(request.user, pk)
    action = BY_NAME.get(name)
    if action is None:
        raise Http404
    if name not in actions_for(case, request.user):
        messages.error(
            request, _("“%(action)s” is not possible for you on this case now.") % {"action": action.label}
        )
        return redirect("cases:detail", pk=case.pk)
    data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and v != ""}
    if "photos" in ACTION_FIELDS.get(name, ()):
        data["photos"] = request.FILES.getlist("photos")
    if name == "evaluate":
        data.setdefault("channel", "reporter" if case.reporter_id == request.user.pk else "phone")
        if data["channel"] not in dict(_channels(case, request.user)):
            return action_failed(
                request, case, name, {"channel": [_("You may not rate through this channel.")]}
            )
    serializer = action.serializer(data=data)
    if not serializer.is_valid():
        return action_failed(request, case, name, serializer.errors)
    return run_service(
        request,
        case,
        name,
        action.label,
        lambda: _act(action, case, request.user, serializer.validated_data),
    )


def _act(action, case, actor, data):
    arguments, ids = uploads.action_arguments(data, owner=actor)
    action.call(case_id=case.pk, actor=actor, **arguments)
    if ids:
        uploads.uploads_used(ids=ids, case_id=case.pk)


def run_service(request, case, name, label, call):
    """Run one write; a refusal comes back as a message (state problems) or field errors (bad input)."""
    try:
        call()
    except services.StaleVersion:
        messages.error(
            request,
            _(
                "Someone changed this case after you opened it. The page now shows the "
                "current state: check it and try again."
            ),
        )
        return redirect("cases:detail", pk=case.pk)
    except ConcurrentTransition:
        messages.error(request, _("Someone else changed this case at the same moment. Reload and try again."))
        return redirect("cases:detail", pk=case.pk)
    except (services.ActionNotAllowed, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("cases:detail", pk=case.pk)
    except ValidationError as exc:
        return action_failed(request, case, name, getattr(exc, "message_dict", {"__all__": exc.messages}))
    return landing(request, case, name, label)


def landing(request, case, name, label):
    """Where the user lands after a write: the case page while they still see the case; a merged duplicate's
    original; their queue, with what happened, when the action took the case out of their view (a unit
    returning it, staff dispatching it away), never a 404."""
    visible = cases_visible_to(request.user)
    if name == "merge":
        original = Case.objects.filter(pk=case.pk).values_list("duplicate_of_id", flat=True).first()
        if original and visible.filter(pk=original).exists():
            messages.success(request, _("Done: %(action)s.") % {"action": label})
            return redirect("cases:detail", pk=original)
    if visible.filter(pk=case.pk).exists():
        messages.success(request, _("Done: %(action)s.") % {"action": label})
        return redirect("cases:detail", pk=case.pk)
    messages.success(
        request,
        _("Done: %(action)s. Case %(number)s has left your queues.")
        % {"action": label, "number": case.number},
    )
    return redirect("cases:list")


def action_failed(request, case, name, errors):
    """The case page again with this action's form open, its input kept and the errors by its fields."""
    errors = {
        ("general" if k in ("non_field_errors", "__all__") else k): [str(m) for m in v]
        if isinstance(v, (list, tuple))
        else [str(v)]
        for k, v in errors.items()
    }
    values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    values["lists"] = {k: request.POST.getlist(k) for k in request.POST if len(request.POST.getlist(k)) > 1}
    return render_detail(request, case, open_action=name, errors=errors, values=values, status=400)


# --- Photos through the scope ----------------------------------------------------------------------


@require_GET
def attachment_file(request, pk, thumbnail=False):
    """A case file, only for users who may see the case (404 otherwise); never a public media URL.

    The API's ``url`` and ``thumbnail_url`` point here too, so a client signed in with an API token is
    let in as well as a browser session."""
    viewer = _viewer(request)
    if viewer is None:
        return redirect_to_login(request.get_full_path())
    attachment = get_object_or_404(scoped(viewer, Attachment.objects.all()), pk=pk)
    if thumbnail and not attachment.thumbnail:
        raise Http404
    mime = "image/jpeg" if thumbnail else attachment.mime
    return stored_file_response(
        attachment.thumbnail if thumbnail else attachment.file,
        content_type=mime,
        download=not mime.startswith("image/"),
    )


def _viewer(request):
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


# --- Notes and the named handler (the forms post to cases.views.handling) -----------------------------


def has_handling_unit(case) -> bool:
    return case.status not in FINAL and bool(case.handling_department_id or case.handling_area_id)


def handling_actions(case, user) -> list[dict]:
    """The buttons for this user: "我来办", naming a handler, and a note."""
    side: list[dict] = []
    if has_handling_unit(case):
        members = (
            list(unit_members(case)) if is_handler(case, user) or leads_handling_unit(case, user) else []
        )
        lead = leads_handling_unit(case, user)
        free = case.assignee_id is None or (lead and case.assignee_id != user.pk)
        if free and any(m.pk == user.pk for m in members):
            side.append(
                {"name": "take", "label": gettext_lazy("I'll handle it"), "template": "cases/_take_form.html"}
            )
        if lead and members:
            side.append(
                {
                    "name": "assign",
                    "label": gettext_lazy("Name the handler"),
                    "template": "cases/_assign_form.html",
                    "members": members,
                }
            )
    if may_write_notes(case, user):
        side.append(
            {
                "name": "note",
                "label": gettext_lazy("Add a note"),
                "template": "cases/_note_form.html",
                "canned": list(canned_replies_for(case.category)),
            }
        )
    return side

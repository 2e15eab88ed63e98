"""Case-page forms for the work inside the handling unit that changes no status: progress notes (进展备注,
internal or for the reporter, with the category's canned replies) and the named handler (签收人: named by
the unit's lead, or "我来办" by a member). Their buttons join the page's side actions
(``detail.handling_actions``); the writes are ``services.case_note`` and ``services.case_assign``."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import User

from .. import services
from ..models import CannedReply
from ..serializers import AssignSerializer, NoteSerializer
from ..workflow import is_handler, leads_handling_unit, may_write_notes
from .detail import action_failed, has_handling_unit, run_service, visible_case
from .site import refused


@login_required
@require_POST
def case_note(request, pk):
    case = visible_case(request.user, pk)
    if not may_write_notes(case, request.user):
        return refused(request, case)
    data = NoteSerializer(
        data={
            "text": request.POST.get("text", ""),
            "public": request.POST.get("public") == "1",
            **({"canned": request.POST["canned"]} if request.POST.get("canned") else {}),
        }
    )
    if not data.is_valid():
        return action_failed(request, case, "note", data.errors)
    v = data.validated_data
    canned: CannedReply | None = v.get("canned")
    return run_service(
        request,
        case,
        "note",
        _("Add a note"),
        lambda: services.case_note(
            case_id=case.pk, actor=request.user, text=v["text"], public=v["public"], canned=canned
        ),
    )


@login_required
@require_POST
def case_assign(request, pk):
    """Name a handler (``assignee``: a user id; empty clears the name) or take the case ("take")."""
    case = visible_case(request.user, pk)
    taking = request.POST.get("take") == "1"
    name = "take" if taking else "assign"
    if not has_handling_unit(case) or not (
        leads_handling_unit(case, request.user) or is_handler(case, request.user)
    ):
        return refused(request, case)
    raw = str(request.user.pk) if taking else request.POST.get("assignee", "")
    data = AssignSerializer(data={"assignee": raw or None, "comment": request.POST.get("comment", "")})
    if not data.is_valid():
        return action_failed(request, case, name, data.errors)
    assignee_id = data.validated_data["assignee"]
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first() if assignee_id else None
    if assignee_id and assignee is None:
        return action_failed(
            request, case, name, {"assignee": [_("Name someone of the unit handling this case.")]}
        )
    label = _("I'll handle it") if taking else _("Name the handler")
    return run_service(
        request,
        case,
        name,
        label,
        lambda: services.case_assign(
            case_id=case.pk, actor=request.user, assignee=assignee, comment=data.validated_data["comment"]
        ),
    )

"""Case-page forms that are not workflow transitions: staff correcting the case's grid. The apps above
cases add their own (dispatch: the whistle 吹哨报到 and the arrival on site) through ``cases.extensions``;
the buttons are put together by ``detail.side_actions``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..serializers import CorrectAreaSerializer
from .detail import action_failed, may_correct_area, run_service, visible_case


@login_required
@require_POST
def correct_area(request, pk):
    case = visible_case(request.user, pk)
    if not may_correct_area(case, request.user):
        return refused(request, case)
    data = CorrectAreaSerializer(
        data={k: v for k, v in request.POST.items() if k in ("area", "reason", "version") and v}
    )
    if not data.is_valid():
        return action_failed(request, case, "correct-area", data.errors)
    return run_service(
        request,
        case,
        "correct-area",
        _("Correct the grid"),
        lambda: services.case_correct_area(case_id=case.pk, actor=request.user, **data.validated_data),
    )


def refused(request, case):
    messages.error(request, _("That is not possible for you on this case now."))
    return redirect("cases:detail", pk=case.pk)

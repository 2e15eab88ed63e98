"""Dispatch's part of the case page: the whistle (吹哨报到) a street or community blows for a case, and a
summoned department's arrival on site (报到). The buttons and the whistles shown on the page reach the case
page through ``cases.extensions``; the forms post here (same URLs under /cases/ as before)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import extensions
from cases.views.detail import action_failed, run_service, visible_case
from cases.views.site import refused
from cases.workflow import FINAL
from grids.models import Department
from grids.scope import reach

from . import services
from .models import ArrivalStatus, Whistle, WhistleCall
from .serializers import WhistleArriveSerializer, WhistleSummonSerializer

ARRIVAL_OPEN = (ArrivalStatus.PENDING, ArrivalStatus.MISSING)


def may_whistle(case, user) -> bool:
    """Street or community staff over the case (or the centre) may summon departments to an open case."""
    if case.status in FINAL:
        return False
    return user.is_superuser or any(
        case.area_code.startswith(c) for c in reach(user).codes(services.WHISTLE_ROLES)
    )


@extensions.page_context
def whistles_context(case, user):
    return {
        "whistles": list(
            Whistle.objects.filter(case=case)
            .select_related("area", "summoned_by")
            .prefetch_related("calls__department")
            .order_by("-created_at", "-id")
        )
    }


def _my_open_calls(case, user):
    departments = reach(user).department_ids
    if not departments:
        return []
    return list(
        WhistleCall.objects.filter(whistle__case=case, department_id__in=departments, status__in=ARRIVAL_OPEN)
        .select_related("department", "whistle")
        .order_by("arrive_by", "id")
    )


@extensions.side_actions
def whistle_actions(case, user):
    """Arrival reports for the user's summoned departments, then the whistle itself."""
    side = [
        {
            "name": f"arrive-{call.pk}",
            "label": _("Report on site: %(department)s") % {"department": call.department.name},
            "template": "cases/_arrive_form.html",
            "call": call,
        }
        for call in _my_open_calls(case, user)
    ]
    if may_whistle(case, user):
        side.append(
            {
                "name": "whistle",
                "label": gettext_lazy("Whistle departments"),
                "template": "cases/_whistle_form.html",
                "departments": Department.objects.filter(is_active=True).order_by("code"),
            }
        )
    return side


@login_required
@require_POST
def case_whistle(request, pk):
    case = visible_case(request.user, pk)
    if not may_whistle(case, request.user):
        return refused(request, case)
    data = WhistleSummonSerializer(
        data={
            "case": case.pk,
            "departments": request.POST.getlist("departments"),
            "reason": request.POST.get("reason", ""),
            "minutes": request.POST.get("minutes") or 30,
        }
    )
    if not data.is_valid():
        return action_failed(request, case, "whistle", data.errors)
    v = data.validated_data
    return run_service(
        request,
        case,
        "whistle",
        _("Whistle departments"),
        lambda: services.whistle_summon(
            case_id=case.pk,
            actor=request.user,
            departments=v["departments"],
            reason=v["reason"],
            minutes=v["minutes"],
        ),
    )


@login_required
@require_POST
def whistle_arrive(request, pk, call_pk):
    case = visible_case(request.user, pk)
    call = get_object_or_404(WhistleCall.objects.select_related("department"), pk=call_pk, whistle__case=case)
    name = f"arrive-{call.pk}"
    if call.department_id not in reach(request.user).department_ids:
        return refused(request, case)
    data = WhistleArriveSerializer(
        data={k: v for k, v in request.POST.items() if k in ("lat", "lon", "note") and v}
    )
    if not data.is_valid():
        return action_failed(request, case, name, data.errors)
    v = data.validated_data
    return run_service(
        request,
        case,
        name,
        _("Reported on site"),
        lambda: services.whistle_arrive(
            call_id=call.pk, actor=request.user, lat=v.get("lat"), lon=v.get("lon"), note=v["note"]
        ),
    )

"""Case-page forms that are not workflow transitions: the whistle (吹哨报到) a street or community blows for
a case, a summoned department's arrival on site (报到), and staff correcting the case's grid."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import services as dispatch_services
from dispatch.models import ArrivalStatus, Department, Whistle, WhistleCall
from dispatch.serializers import WhistleArriveSerializer, WhistleSummonSerializer
from grids.models import CODE_LENGTH, Area, Level
from grids.scope import reach

from .. import services
from ..serializers import CorrectAreaSerializer
from ..workflow import FINAL, is_case_unit

ARRIVAL_OPEN = (ArrivalStatus.PENDING, ArrivalStatus.MISSING)


def may_whistle(case, user) -> bool:
    """Street or community staff over the case (or the centre) may summon departments to an open case."""
    if case.status in FINAL:
        return False
    return user.is_superuser or any(
        case.area_code.startswith(c) for c in reach(user).codes(dispatch_services.WHISTLE_ROLES)
    )


def may_correct_area(case, user) -> bool:
    return case.status not in FINAL and is_case_unit(case, user)


def whistles_of(case):
    return list(
        Whistle.objects.filter(case=case)
        .select_related("area", "summoned_by")
        .prefetch_related("calls__department")
        .order_by("-created_at", "-id")
    )


def _my_open_calls(case, user):
    departments = reach(user).department_ids
    if not departments:
        return []
    return list(
        WhistleCall.objects.filter(whistle__case=case, department_id__in=departments, status__in=ARRIVAL_OPEN)
        .select_related("department", "whistle")
        .order_by("arrive_by", "id")
    )


def side_actions(case, user, *, open_action="", errors=None, values=None):
    """The extra buttons of the case page, each with what its form needs."""
    side = []

    def add(name, label, template, **extra):
        mine = name == open_action
        side.append(
            {
                "name": name,
                "label": label,
                "template": template,
                "values": (values or {}) if mine else {},
                "errors": (errors or {}) if mine else {},
                **extra,
            }
        )

    for call in _my_open_calls(case, user):
        add(
            f"arrive-{call.pk}",
            _("Report on site: %(department)s") % {"department": call.department.name},
            "cases/_arrive_form.html",
            call=call,
        )
    if may_whistle(case, user):
        add(
            "whistle",
            gettext_lazy("Whistle departments"),
            "cases/_whistle_form.html",
            departments=Department.objects.filter(is_active=True).order_by("code"),
        )
    if may_correct_area(case, user):
        add(
            "correct-area",
            gettext_lazy("Correct the grid"),
            "cases/_correct_area_form.html",
            grids=_grid_choices(case, user),
        )
    return side


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


def _detail():
    from . import detail  # the case page module imports this one

    return detail


@login_required
@require_POST
def case_whistle(request, pk):
    d = _detail()
    case = d.visible_case(request.user, pk)
    if not may_whistle(case, request.user):
        return _refused(request, case)
    data = WhistleSummonSerializer(
        data={
            "case": case.pk,
            "departments": request.POST.getlist("departments"),
            "reason": request.POST.get("reason", ""),
            "minutes": request.POST.get("minutes") or 30,
        }
    )
    if not data.is_valid():
        return d.action_failed(request, case, "whistle", data.errors)
    v = data.validated_data
    return d.run_service(
        request,
        case,
        "whistle",
        _("Whistle departments"),
        lambda: dispatch_services.whistle_summon(
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
    d = _detail()
    case = d.visible_case(request.user, pk)
    call = get_object_or_404(WhistleCall.objects.select_related("department"), pk=call_pk, whistle__case=case)
    name = f"arrive-{call.pk}"
    if call.department_id not in reach(request.user).department_ids:
        return _refused(request, case)
    data = WhistleArriveSerializer(
        data={k: v for k, v in request.POST.items() if k in ("lat", "lon", "note") and v}
    )
    if not data.is_valid():
        return d.action_failed(request, case, name, data.errors)
    v = data.validated_data
    return d.run_service(
        request,
        case,
        name,
        _("Reported on site"),
        lambda: dispatch_services.whistle_arrive(
            call_id=call.pk, actor=request.user, lat=v.get("lat"), lon=v.get("lon"), note=v["note"]
        ),
    )


@login_required
@require_POST
def correct_area(request, pk):
    d = _detail()
    case = d.visible_case(request.user, pk)
    if not may_correct_area(case, request.user):
        return _refused(request, case)
    data = CorrectAreaSerializer(
        data={k: v for k, v in request.POST.items() if k in ("area", "reason", "version") and v}
    )
    if not data.is_valid():
        return d.action_failed(request, case, "correct-area", data.errors)
    return d.run_service(
        request,
        case,
        "correct-area",
        _("Correct the grid"),
        lambda: services.case_correct_area(case_id=case.pk, actor=request.user, **data.validated_data),
    )


def _refused(request, case):
    messages.error(request, _("That is not possible for you on this case now."))
    return redirect("cases:detail", pk=case.pk)

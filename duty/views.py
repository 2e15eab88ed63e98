"""Pages: the units' rosters as a month calendar (a list on the phone), a shift with its swaps and handover,
drawing up a roster from a rota. Thin: the same selectors and services as the API; refusals come back next to
their fields."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.scope import scoped

from . import rota, selectors, services
from .forms import HandoverForm, RefuseForm, RotaForm, SwapForm
from .models import Roster, RosterStatus, Shift, Swap, SwapStatus


def _errors_to_form(form, exc: ValidationError):
    for field, problems in exc.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def _unit(request, code):
    unit = selectors.units_for(request.user).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def _month(value) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return (year, month) if 2000 <= year <= 2100 else (today.year, today.month)


@login_required
def duty_home(request):
    user = request.user
    return render(
        request,
        "duty/home.html",
        {
            "units": list(selectors.units_for(user)[:200]),
            "on_duty": list(selectors.on_duty(user)[:60]),
            "mine": list(selectors.my_shifts(user)[:10]),
            "to_decide": list(selectors.swaps_to_decide(user)[:50]),
        },
    )


@login_required
def unit_month(request, code):
    unit = _unit(request, code)
    year, month = _month(request.GET.get("month"))
    first = dt.date(year, month, 1)
    previous = first - dt.timedelta(days=1)
    following = first + dt.timedelta(days=32)
    weeks = selectors.month_grid(unit, year, month)
    return render(
        request,
        "duty/unit.html",
        {
            "unit": unit,
            "month": first,
            "previous": f"{previous.year}-{previous.month:02d}",
            "following": f"{following.year}-{following.month:02d}",
            "weeks": weeks,
            "days": [d for week in weeks for d in week if d["in_month"] and d["shifts"]],
            "rosters": scoped(request.user, Roster.objects.filter(unit=unit).select_related("leader"))[:24],
            "may_plan": selectors.plannable(request.user, unit),
            "today": timezone.localdate(),
        },
    )


@login_required
def roster_new(request, code):
    unit = _unit(request, code)
    if not selectors.plannable(request.user, unit):
        raise Http404
    people = list(selectors.unit_people(unit))
    form = RotaForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        v = form.cleaned_data
        try:
            shifts = rota.rota_plan(
                unit=unit,
                starts_on=v["starts_on"],
                ends_on=v["ends_on"],
                leaders=v["leaders"],
                officers=v["officers"],
            )
            roster = services.roster_save(
                actor=request.user,
                unit=unit,
                starts_on=v["starts_on"],
                ends_on=v["ends_on"],
                leader=v["leader"],
                title=v["title"],
                shifts=shifts,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Roster saved as a draft: check it, then publish it."))
            return redirect(f"{_unit_url(unit)}?month={roster.starts_on:%Y-%m}")
    return render(request, "duty/roster_new.html", {"unit": unit, "form": form})


def _unit_url(unit):
    return reverse("duty:unit", args=[unit.code])


@login_required
@require_POST
def roster_publish(request, pk):
    roster = get_object_or_404(scoped(request.user, Roster.objects.all()), pk=pk)
    try:
        services.roster_publish(actor=request.user, roster_id=roster.pk)
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Roster published."))
    return redirect(f"{_unit_url(roster.unit)}?month={roster.starts_on:%Y-%m}")


def _shift(request, pk) -> Shift:
    return get_object_or_404(
        scoped(request.user, Shift.objects.select_related("person", "roster__unit", "roster__leader")), pk=pk
    )


def _shift_page(request, shift, *, swap_form=None, handover_form=None, refuse_forms=None, status=200):
    user = request.user
    now = timezone.now()
    published = shift.roster.status == RosterStatus.PUBLISHED
    mine = shift.person_id == user.pk
    swaps = list(shift.swaps.select_related("requester", "substitute", "decided_by"))
    is_leader = shift.roster.leader_id == user.pk or user.is_superuser
    handover = getattr(shift, "handover", None)
    may_swap = (
        mine
        and published
        and shift.starts_at > now
        and not any(s.status == SwapStatus.REQUESTED for s in swaps)
    )
    people = (
        [p for p in selectors.unit_people(shift.roster.unit) if p.pk != shift.person_id] if may_swap else []
    )
    refuse_forms = refuse_forms or {}
    return render(
        request,
        "duty/shift.html",
        {
            "shift": shift,
            "swaps": [(s, refuse_forms.get(s.pk) or RefuseForm(prefix=f"s{s.pk}")) for s in swaps],
            "is_leader": is_leader,
            "may_swap": may_swap,
            "swap_form": swap_form or (SwapForm(people=people) if may_swap else None),
            "handover": handover,
            "may_hand_over": mine and published and shift.starts_at <= now and handover is None,
            "handover_form": handover_form or HandoverForm(),
            "previous": selectors.previous_handover(shift),
            "trail": shift.roster.events.select_related("actor").order_by("-seq")[:20],
        },
        status=status,
    )


@login_required
def shift_detail(request, pk):
    return _shift_page(request, _shift(request, pk))


@login_required
@require_POST
def swap_request(request, pk):
    shift = _shift(request, pk)
    people = [p for p in selectors.unit_people(shift.roster.unit) if p.pk != shift.person_id]
    form = SwapForm(request.POST, people=people)
    if form.is_valid():
        try:
            services.swap_request(
                actor=request.user,
                shift_id=shift.pk,
                substitute=form.cleaned_data["substitute"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Swap requested: the unit's leader will decide."))
            return redirect("duty:shift", pk=shift.pk)
    return _shift_page(request, shift, swap_form=form, status=400)


@login_required
@require_POST
def swap_decide(request, pk):
    swap = get_object_or_404(scoped(request.user, Swap.objects.all()), pk=pk)
    shift = _shift(request, swap.shift_id)
    form = RefuseForm(request.POST, prefix=f"s{swap.pk}")
    try:
        if request.POST.get("decision") == "approve":
            services.swap_approve(actor=request.user, swap_id=swap.pk)
            messages.success(
                request, _("Swap approved: the shift has passed to %(name)s.") % {"name": swap.substitute}
            )
        else:
            services.swap_refuse(
                actor=request.user, swap_id=swap.pk, reason=request.POST.get(f"s{swap.pk}-reason", "")
            )
            messages.success(request, _("Swap refused."))
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return _shift_page(request, shift, refuse_forms={swap.pk: form}, status=400)
    return redirect("duty:shift", pk=shift.pk)


@login_required
@require_POST
def handover_write(request, pk):
    shift = _shift(request, pk)
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.handover_write(actor=request.user, shift_id=shift.pk, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Shift handed over."))
            return redirect("duty:shift", pk=shift.pk)
    return _shift_page(request, shift, handover_form=form, status=400)

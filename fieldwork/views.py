"""Pages: staff schedule grid days, send cadres to grids and follow the month's coverage and attendance
(desktop); cadres check in on site with the phone's position and record what they did and found; grid
workers complete their daily work log (phone). Thin: the same selectors and services as the API; refusals
come back next to their fields."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import Area, Level, Membership, Role
from grids.scope import reach, scoped

from . import selectors, services
from .export import coverage_xlsx
from .forms import AssignForm, CheckInForm, GridDayForm, RecordForm, WorkLogForm
from .models import Deployment, FieldEvent, GridDay, WorkLog

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_staff(user) -> bool:
    return user.is_superuser or bool(reach(user).codes(services.ORGANISER_ROLES + (Role.LEADER_READONLY,)))


def _errors_to_form(form, exc: ValidationError):
    for field, texts in exc.message_dict.items():
        target = field.split(".")[-1] if field.startswith("finding.") else field
        for text in texts:
            form.add_error(target if target in form.fields else None, text)


def _month(request):
    return selectors.parse_month(request.GET.get("month"), timezone.localdate())


@login_required
def home(request):
    return redirect("fieldwork:coverage" if _is_staff(request.user) else "fieldwork:mine")


@login_required
def coverage(request):
    month = _month(request)
    data = selectors.coverage(request.user, month)
    days = scoped(request.user, GridDay.objects.filter(month=month).select_related("community")).order_by(
        "day", "community_code"
    )
    return render(
        request,
        "fieldwork/coverage.html",
        {"data": data, "month": month, "days": days, "may_schedule": _is_staff(request.user)},
    )


@login_required
def coverage_export(request):
    month = _month(request)
    response = HttpResponse(coverage_xlsx(selectors.coverage(request.user, month)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="grid-days-{month:%Y-%m}.xlsx"'
    return response


@login_required
def attendance(request):
    month = _month(request)
    rows = selectors.attendance(request.user, month)
    return render(
        request,
        "fieldwork/attendance.html",
        {"rows": rows, "month": month, "threshold": selectors.ATTENDANCE_MIN_MINUTES},
    )


def _organised_communities(user):
    qs = Area.objects.filter(level=Level.COMMUNITY, is_active=True).order_by("code")
    if user.is_superuser:
        return qs
    codes = reach(user).codes(services.ORGANISER_ROLES)
    return qs.filter(Q(pk__in=[]) | _prefix(codes))


def _prefix(codes):
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(code__startswith=code)
    return q


@login_required
def day_new(request):
    communities = _organised_communities(request.user)
    if not communities.exists():
        raise Http404
    form = GridDayForm(request.POST or None, communities=communities)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                grid_day = services.grid_day_schedule(
                    actor=request.user,
                    community_id=data["community"].pk,
                    day=data["day"],
                    title=data["title"],
                    note=data["note"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Grid day scheduled."))
                return redirect("fieldwork:day", grid_day.pk)
        status = 400
    return render(request, "fieldwork/day_new.html", {"form": form}, status=status)


def _cadres(grid_day):
    street = grid_day.community_code[:9]
    members = Membership.objects.filter(is_active=True, area__is_active=True).filter(
        Q(role=Role.STREET_STAFF, area__code=street)
        | Q(role__in=[Role.DEPARTMENT_HANDLER, Role.DISTRICT_CENTRE])
    )
    return (
        get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("display_name", "username")
    )


@login_required
def day_detail(request, pk):
    grid_day = get_object_or_404(scoped(request.user, GridDay.objects.select_related("community")), pk=pk)
    may_assign = request.user.is_superuser or reach(request.user).covers(
        grid_day.community_code, services.ORGANISER_ROLES
    )
    grids = Area.objects.filter(
        level=Level.GRID, is_active=True, code__startswith=grid_day.community_code
    ).order_by("code")
    form = AssignForm(request.POST or None, grids=grids, cadres=_cadres(grid_day)) if may_assign else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.cadre_assign(
                    actor=request.user,
                    grid_day_id=grid_day.pk,
                    grid_id=form.cleaned_data["grid"].pk,
                    cadre_id=form.cleaned_data["cadre"].pk,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Cadre assigned."))
                return redirect("fieldwork:day", grid_day.pk)
        status = 400
    deployments = scoped(
        request.user, grid_day.deployments.select_related("grid", "cadre", "case").order_by("area_code", "id")
    )
    events = scoped(request.user, FieldEvent.objects.filter(grid_day=grid_day).select_related("actor"))[:200]
    return render(
        request,
        "fieldwork/day.html",
        {"grid_day": grid_day, "deployments": deployments, "form": form, "events": events},
        status=status,
    )


@login_required
def mine(request):
    today = timezone.localdate()
    deployments = (
        Deployment.objects.filter(cadre=request.user, grid_day__day__gte=today - datetime.timedelta(days=31))
        .select_related("grid_day", "grid")
        .order_by("-grid_day__day", "area_code")
    )
    logs = WorkLog.objects.filter(worker=request.user).order_by("-day")[:14]
    is_worker = bool(reach(request.user).codes(services.WORKER_ROLES))
    return render(
        request,
        "fieldwork/mine.html",
        {"deployments": deployments, "logs": logs, "is_worker": is_worker, "today": today},
    )


def _own_deployment(user, pk) -> Deployment:
    deployment = get_object_or_404(
        scoped(user, Deployment.objects.select_related("grid_day", "grid", "cadre", "case", "task")), pk=pk
    )
    return deployment


def _deployment_page(request, deployment, *, check_form=None, record_form=None, status=200):
    mine = deployment.cadre_id == request.user.pk
    return render(
        request,
        "fieldwork/deployment.html",
        {
            "d": deployment,
            "mine": mine,
            "today": timezone.localdate() == deployment.grid_day.day,
            "check_form": check_form or CheckInForm(),
            "record_form": record_form
            or RecordForm(initial={"did": deployment.did, "found": deployment.found}),
        },
        status=status,
    )


@login_required
def deployment_detail(request, pk):
    return _deployment_page(request, _own_deployment(request.user, pk))


@login_required
@require_POST
def deployment_check_in(request, pk):
    deployment = _own_deployment(request.user, pk)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.check_in(
                actor=request.user,
                deployment_id=deployment.pk,
                lat=form.cleaned_data["lat"],
                lon=form.cleaned_data["lon"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Checked in."))
            return redirect("fieldwork:deployment", deployment.pk)
    return _deployment_page(request, deployment, check_form=form, status=400)


@login_required
@require_POST
def deployment_record(request, pk):
    deployment = _own_deployment(request.user, pk)
    form = RecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        finding = form.finding()
        try:
            services.deployment_record(
                actor=request.user,
                deployment_id=deployment.pk,
                did=data["did"],
                found=data["found"],
                finding=finding,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("fieldwork:deployment", deployment.pk)
    deployment.refresh_from_db()
    return _deployment_page(request, deployment, record_form=form, status=400)


@login_required
def log_today(request):
    log = services.work_log_today(worker=request.user)
    if log is None:
        raise Http404
    return redirect("fieldwork:log", log.pk)


@login_required
def log_detail(request, pk):
    log = get_object_or_404(scoped(request.user, WorkLog.objects.select_related("worker")), pk=pk)
    mine = log.worker_id == request.user.pk
    editable = mine and log.status == WorkLog.Status.DRAFT
    form = WorkLogForm(request.POST or None, initial={"summary": log.summary, "issues": log.issues})
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.work_log_submit(actor=request.user, log_id=log.pk, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Work log submitted."))
                return redirect("fieldwork:log", log.pk)
        status = 400
    hours = round(log.patrol_minutes / 60, 1)
    return render(
        request,
        "fieldwork/log.html",
        {"log": log, "form": form, "editable": editable, "hours": hours},
        status=status,
    )

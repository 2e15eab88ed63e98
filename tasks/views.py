"""Pages: staff send tasks, follow progress up the tree and review completion (desktop); grid leaders hand
work to workers and workers fill forms per object with photos and location (phone). Thin: the same
selectors and services as the API; refusals come back next to their fields."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import Area, Membership, Role
from grids.scope import reach, scoped

from . import admission, extensions, selectors, services
from .export import task_xlsx
from .forms import FindingForm, ReviewForm, TaskForm, field_rows, field_values, fields_from_lines
from .models import AdmissionItem, Assignment, Target, Task, TaskResult

MAX_ID = 2**63 - 1


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
TEAM_ROLES = (Role.GRID_LEADER, Role.GRID_WORKER)


def _is_staff(user) -> bool:
    r = reach(user)
    return user.is_superuser or bool(r.codes(STAFF_ROLES) or r.department_ids)


def _errors_to_form(form, exc: ValidationError, known=()):
    for field, messages_ in exc.message_dict.items():
        target = field if field in form.fields else None
        if field == "fields":
            target = "form_lines"
        elif field == "selection":
            target = "choose"
        for message in messages_:
            form.add_error(target if target in form.fields else None, message)


@login_required
def home(request):
    return redirect("tasks:list" if _is_staff(request.user) else "tasks:mine")


@login_required
def task_list(request):
    tasks = scoped(request.user, Task.objects.select_related("item", "sender")).order_by("-created_at")[:100]
    return render(request, "tasks/list.html", {"tasks": tasks, "may_send": _is_staff(request.user)})


def _items():
    current = admission.list_in_force()
    qs = AdmissionItem.objects.filter(workers_assignable=True)
    return qs.filter(admission_list=current) if current else qs.none()


@login_required
def task_new(request):
    if not _is_staff(request.user):
        raise Http404
    form = TaskForm(request.POST or None, request.FILES or None, items=_items())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.task_create(
                    actor=request.user,
                    title=data["title"],
                    item=data["item"],
                    instructions=data["instructions"],
                    fields=fields_from_lines(data["form_lines"]),
                    selection=form.selection(),
                    target_kind=data["target_kind"] or "",
                    target_tag=data["target_tag"],
                    starts_at=data["starts_at"],
                    deadline=data["deadline"],
                    files=[f for f in [data.get("attachments")] if f],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Task sent to %(n)d grids.") % {"n": task.grids})
                return redirect("tasks:detail", pk=task.pk)
        status = 400
    codes = reach(request.user).codes(STAFF_ROLES)
    areas = scoped(request.user, Area.objects.filter(code__in=codes)) if codes else Area.objects.none()
    return render(request, "tasks/new.html", {"form": form, "areas": areas}, status=status)


def _visible_task(user, pk) -> Task:
    return get_object_or_404(
        scoped(user, Task.objects.select_related("item", "sender", "sender_area")), pk=pk
    )


@login_required
def task_detail(request, pk):
    task = _visible_task(request.user, pk)
    area = None
    if request.GET.get("area"):
        area = get_object_or_404(scoped(request.user, Area.objects.all()), code=request.GET["area"])
    progress = selectors.progress(task, user=request.user, area=area)
    may_review = services.may_review(request.user, task)
    waiting = []
    if may_review:
        waiting = list(
            scoped(request.user, Assignment.objects.filter(task=task, status=Assignment.Status.SUBMITTED))
            .select_related("area")
            .order_by("area_code")[:50]
        )
    events = list(selectors.task_timeline(task).order_by("-seq")[:30])
    # Grid-day visits that raised this task (fieldwork, above tasks, links to it: read by its reverse name).
    raised_on = task.grid_day_findings.select_related("grid_day", "grid", "cadre").order_by("id")[:10]
    trail = [(a.code, a.name) for a in Area.objects.ancestors_of(area.code).order_by("code")] if area else []
    return render(
        request,
        "tasks/detail.html",
        {
            "task": task,
            "area": area,
            "trail": trail,
            "progress": progress,
            "drill": progress["level"] != "grid",
            "waiting": waiting,
            "events": events,
            "may_review": may_review,
            "panels": extensions.task_panels(task, request.user),
            "grid_day_findings": list(raised_on),
        },
    )


@login_required
@require_POST
def assignment_review(request, pk):
    assignment = get_object_or_404(scoped(request.user, Assignment.objects.all()), pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_review(
                actor=request.user,
                assignment_id=assignment.pk,
                accept=form.cleaned_data["accept"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Review recorded."))
        except ValidationError as exc:
            messages.error(request, "; ".join(m for ms in exc.message_dict.values() for m in ms))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Choose accept or send back."))
    return redirect("tasks:detail", pk=assignment.task_id)


@login_required
def task_export(request, pk):
    task = _visible_task(request.user, pk)
    body = task_xlsx(task, scoped(request.user, Assignment.objects.filter(task=task)))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="task-{task.pk}.xlsx"'
    return response


@login_required
def burden(request):
    if not _is_staff(request.user):
        raise Http404
    return render(request, "tasks/burden.html", {"rows": selectors.burden_report(request.user)})


@login_required
def admission_list(request):
    current = admission.list_in_force()
    items = (
        AdmissionItem.objects.filter(admission_list=current).select_related("department") if current else []
    )
    return render(request, "tasks/admission.html", {"current": current, "items": items})


# --- The phone -----------------------------------------------------------------------------------------


@login_required
def mine(request):
    return render(
        request, "tasks/mine.html", {"assignments": selectors.assignments_for_worker(request.user)[:50]}
    )


def _visible_assignment(user, pk) -> Assignment:
    return get_object_or_404(
        scoped(user, Assignment.objects.select_related("task", "task__item", "area")), pk=pk
    )


@login_required
def assignment_detail(request, pk):
    a = _visible_assignment(request.user, pk)
    r = reach(request.user)
    is_lead = request.user.is_superuser or r.covers(a.area_code, [Role.GRID_LEADER, Role.COMMUNITY_STAFF])
    team = []
    if is_lead:
        team = list(
            Membership.objects.filter(
                role=Role.GRID_WORKER, is_active=True, area__code__startswith=a.area_code
            ).select_related("user")
        )
    targets = list(Target.objects.filter(assignment=a).order_by("done_at", "id")[:300])
    results = TaskResult.objects.filter(assignment=a, target__isnull=True).count()
    return render(
        request,
        "tasks/assignment.html",
        {
            "a": a,
            "targets": targets,
            "grid_results": results,
            "team": team,
            "chosen": set(a.workers.values_list("pk", flat=True)),
            "is_lead": is_lead,
            "may_fill": request.user.is_superuser or r.covers(a.area_code, TEAM_ROLES),
            "open": a.status not in (Assignment.Status.SUBMITTED, Assignment.Status.ACCEPTED),
        },
    )


@login_required
@require_POST
def assignment_assign(request, pk):
    a = _visible_assignment(request.user, pk)
    try:
        services.assignment_assign(
            actor=request.user,
            assignment_id=a.pk,
            workers=[w for w in map(_id, request.POST.getlist("workers")) if w is not None],
            version=_id(request.POST.get("version")),
        )
        messages.success(request, _("Work handed out."))
    except ValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.message_dict.values() for m in ms))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("tasks:assignment", pk=a.pk)


@login_required
@require_POST
def assignment_submit(request, pk):
    a = _visible_assignment(request.user, pk)
    try:
        services.assignment_submit(actor=request.user, assignment_id=a.pk)
        messages.success(request, _("Submitted for review."))
    except ValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.message_dict.values() for m in ms))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("tasks:assignment", pk=a.pk)


@login_required
def result_fill(request, pk):
    a = _visible_assignment(request.user, pk)
    target = None
    if _id(request.GET.get("target")) is not None:
        target = get_object_or_404(Target.objects.filter(assignment=a), pk=_id(request.GET.get("target")))
    specs = a.task.fields
    finding = FindingForm(request.POST or None)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if finding.is_valid():
            data = finding.cleaned_data
            found = None
            if data["found"]:
                found = {
                    "category": getattr(data["category"], "pk", None),
                    "title": data["title"] or a.task.title,
                }
            try:
                services.result_record(
                    actor=request.user,
                    assignment_id=a.pk,
                    target_id=getattr(target, "pk", None),
                    values=field_values(specs, request.POST),
                    note=data["note"],
                    lat=data["lat"],
                    lon=data["lon"],
                    photos=request.FILES.getlist("photos")[:9],
                    finding=found,
                )
            except ValidationError as exc:
                errors = exc.message_dict
                for key, messages_ in errors.items():
                    if key.startswith("finding."):
                        name = key.split(".", 1)[1]
                        finding.add_error(name if name in finding.fields else "found", messages_)
                    elif not key.startswith("values."):
                        finding.add_error(None, messages_)
            except PermissionDenied as exc:
                finding.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("tasks:assignment", pk=a.pk)
        status = 400
    return render(
        request,
        "tasks/fill.html",
        {
            "a": a,
            "target": target,
            "rows": field_rows(specs, request.POST if request.method == "POST" else None, errors),
            "finding": finding,
        },
        status=status,
    )

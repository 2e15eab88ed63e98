"""Every write of the field-work app: grid days, cadres sent down to grids, check-ins on site, what they
recorded, and the grid workers' daily work logs (docs/domain.md §8.4, §8.5).

Each function checks everything before it writes, then writes in one transaction with its event on the
app's hash-chained trail: a refused request leaves nothing behind.
"""

import datetime
import math

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cases.models import Case, Category
from cases.services import case_report
from command.models import PatrolPosition
from dispatch.notifications import Message, notify
from grids.models import CODE_LENGTH, Area, Level, Membership, Role
from grids.scope import reach
from grids.selectors import grid_for_point
from residents.models import Visit
from tasks import admission
from tasks.models import AdmissionItem, AdmissionRefusal, Task
from tasks.services import task_create
from worktime.calendar import LOCAL_TZ
from worktime.calendar.schedule import local

from .models import Deployment, DraftedDay, FieldEvent, FieldEventKind, GridDay, WorkLog

COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]
GRID_LEN = CODE_LENGTH[Level.GRID]
ORGANISER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
# Cadres who go down to grids on the grid day: the street's and the departments' (and the centre's).
CADRE_ROLES = (Role.STREET_STAFF, Role.DEPARTMENT_HANDLER, Role.DISTRICT_CENTRE)
WORKER_ROLES = (Role.GRID_WORKER,)
FIGURE_FIELDS = ["area_code", "patrol_minutes", "distance_m", "positions", "visits", "cases_reported"]
# docs/domain.md §8.5: two track points further apart than this are not time on patrol.
GAP_MINUTES = 10
EARTH_RADIUS_M = 6_371_000
# A follow-up task raised on the grid day is due at the end of the working day it names.
FOLLOW_UP_DUE = datetime.time(17, 30)


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _event(kind, area_code, *, actor=None, grid_day=None, deployment=None, work_log=None, at=None, **payload):
    return FieldEvent(
        kind=kind,
        area_code=area_code,
        grid_day_id=getattr(grid_day, "pk", grid_day),
        deployment_id=getattr(deployment, "pk", deployment),
        work_log_id=getattr(work_log, "pk", work_log),
        actor_id=getattr(actor, "pk", actor),  # a user or a user id
        at=at or timezone.now(),
        payload=payload,
    )


def _organises(actor, community_code: str) -> bool:
    return _superuser(actor) or reach(actor).covers(community_code, ORGANISER_ROLES)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- Grid days (网格日) ---------------------------------------------------------------------------


def grid_day_schedule(*, actor, community_id, day: datetime.date, title: str = "", note: str = "") -> GridDay:
    """The community's grid day of ``day``'s month (one a month), on a date not yet past."""
    community = Area.objects.filter(pk=community_id, level=Level.COMMUNITY, is_active=True).first()
    if community is None:
        raise ValidationError({"community": [_("Choose a community.")]})
    if not _organises(actor, community.code):
        raise PermissionDenied(_("Only the community, its street or the centre schedule its grid day."))
    errors = {}
    if not isinstance(day, datetime.date):
        errors["day"] = [_("Give the date of the grid day.")]
    elif day < timezone.localdate():
        errors["day"] = [_("A grid day cannot be scheduled in the past.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        taken = (
            GridDay.objects.select_for_update().filter(community=community, month=month_start(day)).first()
        )
        if taken is not None:
            raise ValidationError(
                {
                    "day": [
                        _("This community's grid day this month is already set (%(day)s).")
                        % {"day": taken.day}
                    ]
                }
            )
        grid_day = GridDay.objects.create(
            community=community,
            community_code=community.code,
            month=month_start(day),
            day=day,
            title=(title or "").strip()[:200] or _("Grid day"),
            note=note or "",
            created_by=actor,
        )
        FieldEvent.objects.bulk_create(
            [_event(FieldEventKind.SCHEDULED, community.code, actor=actor, grid_day=grid_day, day=str(day))]
        )
    return grid_day


def _is_cadre(user_id, code: str) -> bool:
    """A cadre of the street above the area, of a department that covers it, or of the centre: someone who
    may report a case from the grid (a finding raises one in their name)."""
    cadre = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if cadre is None:
        return False
    r = reach(cadre)
    return r.covers(code, CADRE_ROLES) or any(code.startswith(c) for c in r.department_area_codes)


def cadre_assign(*, actor, grid_day_id, grid_id, cadre_id) -> Deployment:
    """Send a cadre down to one grid of the community on its grid day (下沉); the cadre hears of it."""
    with transaction.atomic():
        grid_day = GridDay.objects.select_for_update().filter(pk=grid_day_id).first()
        if grid_day is None:
            raise ValidationError({"grid_day": [_("No such grid day.")]})
        if not _organises(actor, grid_day.community_code):
            raise PermissionDenied(
                _("Only the community, its street or the centre assign cadres to its grids.")
            )
        errors = {}
        grid = Area.objects.filter(
            pk=grid_id, level=Level.GRID, is_active=True, code__startswith=grid_day.community_code
        ).first()
        if grid is None:
            errors["grid"] = [_("Choose a grid of this community.")]
        if not _is_cadre(cadre_id, grid.code if grid is not None else grid_day.community_code):
            errors["cadre"] = [
                _(
                    "Only cadres of the street, of a department covering the grid or of the centre go down "
                    "to grids."
                )
            ]
        if grid_day.day < timezone.localdate():
            errors["__all__"] = [_("This grid day is over.")]
        if (
            grid is not None
            and Deployment.objects.filter(grid_day=grid_day, grid=grid, cadre_id=cadre_id).exists()
        ):
            errors["cadre"] = [_("This cadre is already assigned to this grid.")]
        if errors or grid is None:
            raise ValidationError(errors)
        deployment = Deployment.objects.create(
            grid_day=grid_day, grid=grid, area_code=grid.code, cadre_id=cadre_id, assigned_by=actor
        )
        FieldEvent.objects.bulk_create(
            [
                _event(
                    FieldEventKind.ASSIGNED,
                    grid.code,
                    actor=actor,
                    grid_day=grid_day,
                    deployment=deployment,
                    cadre=cadre_id,
                )
            ]
        )
        notify(
            [
                Message(
                    recipients={cadre_id},
                    kind="grid_day",
                    title=_("Grid day %(day)s: you go down to %(grid)s")
                    % {"day": grid_day.day, "grid": grid.name},
                    key=f"grid-day:{deployment.pk}",
                )
            ]
        )
    return deployment


def _locked_deployment(actor, deployment_id) -> Deployment:
    deployment = (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("grid_day", "grid")
        .filter(pk=deployment_id)
        .first()
    )
    if deployment is None:
        raise ValidationError({"deployment": [_("No such assignment.")]})
    if deployment.cadre_id != actor.pk:
        raise PermissionDenied(_("Only the cadre sent to the grid checks in and records the work."))
    return deployment


def _coordinate(value, low, high):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def check_in(*, actor, deployment_id, lat, lon) -> Deployment:
    """The cadre checks in on site: on the grid day, at a point inside the grid's boundary."""
    with transaction.atomic():
        deployment = _locked_deployment(actor, deployment_id)
        day = deployment.grid_day.day
        if deployment.checked_in_at is not None:
            raise ValidationError({"__all__": [_("You have already checked in.")]})
        if timezone.localdate() != day:
            raise ValidationError(
                {"__all__": [_("Check in on the grid day itself (%(day)s).") % {"day": day}]}
            )
        lat_, lon_ = _coordinate(lat, -90, 90), _coordinate(lon, -180, 180)
        if lat_ is None or lon_ is None:
            raise ValidationError(
                {"location": [_("Your location is needed to check in: allow the browser to use it.")]}
            )
        at_point = grid_for_point(lat_, lon_)
        code = Area.objects.filter(pk=at_point).values_list("code", flat=True).first() if at_point else None
        if not code or not code.startswith(deployment.area_code):
            raise ValidationError(
                {
                    "location": [
                        _("You are not inside grid %(grid)s: check in on site, inside the grid's boundary.")
                        % {"grid": deployment.grid.name}
                    ]
                }
            )
        now = timezone.now()
        deployment.checked_in_at, deployment.check_lat, deployment.check_lon = now, lat_, lon_
        deployment.save(update_fields=["checked_in_at", "check_lat", "check_lon"])
        FieldEvent.objects.bulk_create(
            [
                _event(
                    FieldEventKind.CHECKED_IN,
                    deployment.area_code,
                    actor=actor,
                    grid_day=deployment.grid_day_id,
                    deployment=deployment,
                    at=now,
                    lat=lat_,
                    lon=lon_,
                )
            ]
        )
    return deployment


def deployment_record(
    *, actor, deployment_id, did: str, found: str = "", finding: dict | None = None
) -> Deployment:
    """What the cadre did and found on site; a ``finding`` raises, in the same step and linked both ways,
    a case ({category, title, description}: located at the check-in point) or, with ``"raise": "task"``,
    a follow-up task for the grid ({item, title, description, deadline}: the item must be admitted on the
    grid admission list; a refusal is recorded, and said, before anything else is written)."""
    as_task = isinstance(finding, dict) and finding.get("raise") == "task"
    if as_task:
        _follow_up_refusal(actor, deployment_id, finding)
    with transaction.atomic():
        deployment = _locked_deployment(actor, deployment_id)
        errors = {}
        if deployment.checked_in_at is None:
            errors["__all__"] = [_("Check in on site first.")]
        if not (did or "").strip():
            errors["did"] = [_("Write what you did in the grid.")]
        if finding is not None and not isinstance(finding, dict):
            errors["finding"] = [_("Describe the finding.")]
        elif finding and as_task and deployment.task_id:
            errors["finding"] = [_("A follow-up task was already raised from this visit.")]
        elif finding and not as_task and deployment.case_id:
            errors["finding"] = [_("A case was already raised from this visit.")]
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        case = _finding_report(actor, deployment, finding, found) if finding and not as_task else None
        task = _follow_up_send(actor, deployment, finding, found, now) if as_task else None
        deployment.did, deployment.found, deployment.recorded_at = did.strip(), (found or "").strip(), now
        fields = ["did", "found", "recorded_at"]
        if case is not None:
            deployment.case = case
            fields.append("case")
        if task is not None:
            deployment.task = task
            fields.append("task")
        deployment.save(update_fields=fields)
        FieldEvent.objects.bulk_create(_record_events(actor, deployment, now, case, task))
    return deployment


def _record_events(actor, deployment, now, case, task) -> list[FieldEvent]:
    def event(kind, **payload):
        return _event(
            kind,
            deployment.area_code,
            actor=actor,
            grid_day=deployment.grid_day_id,
            deployment=deployment,
            at=now,
            **payload,
        )

    events = [event(FieldEventKind.RECORDED)]
    if case is not None:
        events.append(event(FieldEventKind.FINDING, case=case.pk, number=case.number))
    if task is not None:
        events.append(event(FieldEventKind.FINDING, task=task.pk, title=task.title))
    return events


def _follow_up_item(finding) -> AdmissionItem | None:
    ref = finding.get("item")
    ref = getattr(ref, "pk", ref)
    if ref in (None, ""):
        return None
    items = AdmissionItem.objects.select_related("department")
    by_code = items.filter(code=str(ref), admission_list_id=admission.in_force().list_id).first()
    return by_code or (items.filter(pk=ref).first() if str(ref).isdigit() else None)


def _follow_up_refusal(actor, deployment_id, finding) -> None:
    """A follow-up for an item not admitted is refused with the list's reason and the refusal recorded (the
    burden report counts it), outside the step's transaction so the record stays."""
    item = _follow_up_item(finding)
    if item is None and finding.get("item") in (None, ""):
        raise ValidationError({"finding.item": [_("Choose the admitted item the follow-up comes under.")]})
    refused = admission.item_refusal(item) if item is not None else str(admission.NOT_ADMITTED)
    if refused:
        area_code = (
            Deployment.objects.filter(pk=deployment_id).values_list("area_code", flat=True).first() or ""
        )
        admission.refusal_record(
            kind=AdmissionRefusal.Kind.TASK,
            subject=str(finding.get("title") or _("Grid-day follow-up"))[:200],
            reason=refused,
            requester=actor,
            department=getattr(item, "department", None),
            area_code=area_code,
            item_code=getattr(item, "code", str(finding.get("item"))[:16]),
        )
        raise ValidationError({"finding.item": [refused]})


def _follow_up_deadline(finding):
    day = finding.get("deadline")
    if isinstance(day, str):
        day = parse_date(day)
    if not isinstance(day, datetime.date):
        raise ValidationError({"finding.deadline": [_("Give the day the follow-up is due.")]})
    if isinstance(day, datetime.datetime):
        return day
    return datetime.datetime.combine(day, FOLLOW_UP_DUE, LOCAL_TZ)


def _follow_up_send(actor, deployment, finding, found, now) -> Task:
    """The follow-up as a task to this one grid (through ``tasks.services.task_create``: its checks, its
    trail and its reminders); its errors come back under ``finding.``."""
    deadline = _follow_up_deadline(finding)
    try:
        return task_create(
            actor=actor,
            title=str(finding.get("title") or found or _("Grid-day follow-up"))[:200],
            item=_follow_up_item(finding),
            selection={"grids": [deployment.area_code]},
            starts_at=now,
            deadline=deadline,
            instructions=str(finding.get("description") or found or ""),
        )
    except PermissionDenied as exc:
        raise ValidationError({"finding.item": [str(exc)]}) from None
    except ValidationError as exc:
        raise ValidationError({f"finding.{k}": v for k, v in exc.message_dict.items()}) from None


def _finding_report(actor, deployment, finding, found) -> Case:
    category = Category.objects.filter(pk=finding.get("category"), is_active=True).first()
    if category is None:
        raise ValidationError({"finding.category": [_("Choose the category of what you found.")]})
    try:
        reported = case_report(
            actor=actor,
            category=category,
            title=str(finding.get("title") or found or _("Found on the grid day"))[:200],
            description=str(finding.get("description") or found or ""),
            lat=deployment.check_lat,
            lon=deployment.check_lon,
        )
    except ValidationError as exc:
        raise ValidationError({f"finding.{k}": v for k, v in exc.message_dict.items()}) from None
    return reported.case


# --- Work logs (巡查日志) -------------------------------------------------------------------------


def _metres(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def patrol_figures(points, grid_codes, gap_minutes: int = GAP_MINUTES) -> tuple[int, int, int]:
    """(minutes on patrol, metres walked, points inside) from one worker's track of one day.

    ``points``: (recorded_at, lat, lon, area_code) in time order. Two successive points count when both lie
    inside one of the worker's grids and are at most ``gap_minutes`` apart: the time between them is time on
    patrol and the great-circle distance between them is distance walked (docs/domain.md §8.5)."""
    gap = datetime.timedelta(minutes=gap_minutes)
    seconds = metres = 0.0
    inside = 0
    previous = None
    for at, lat, lon, code in points:
        here = bool(code) and any(code.startswith(g) for g in grid_codes)
        inside += here
        if here and previous is not None:
            delta = at - previous[0]
            if datetime.timedelta(0) < delta <= gap:
                seconds += delta.total_seconds()
                metres += _metres(previous[1], previous[2], lat, lon)
        previous = (at, lat, lon) if here else None
    return int(seconds // 60), round(metres), inside


def _day_bounds(day: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def work_logs_draft(*, day: datetime.date, worker_ids=None, now=None) -> int:
    """Draft (or refresh) the work logs of ``day`` for grid workers (all active ones, or ``worker_ids``):
    patrol time and distance from the track, visits made and cases reported that day. A submitted log is
    the worker's and is left as it is. A fixed number of queries, whatever the number of workers."""
    now = now or timezone.now()
    members = Membership.objects.filter(
        role__in=WORKER_ROLES,
        is_active=True,
        area__is_active=True,
        area__level__in=[Level.GRID, Level.MICROGRID],
    )
    if worker_ids is not None:
        members = members.filter(user_id__in=list(worker_ids))
    grids: dict[int, set] = {}
    for user_id, code in members.values_list("user_id", "area__code"):
        grids.setdefault(user_id, set()).add(code[:GRID_LEN])
    if not grids:
        return 0
    start, end = _day_bounds(day)
    ids = sorted(grids)
    tracks: dict[int, list] = {}
    positions = PatrolPosition.objects.filter(user_id__in=ids, recorded_at__gte=start, recorded_at__lt=end)
    for row in positions.order_by("user_id", "recorded_at").values_list(
        "user_id", "recorded_at", "lat", "lon", "area_code"
    ):
        tracks.setdefault(row[0], []).append(row[1:])
    visits = dict(
        Visit.objects.filter(visitor_id__in=ids, visited_at__gte=start, visited_at__lt=end)
        .values_list("visitor_id")
        .annotate(n=Count("id"))
        .values_list("visitor_id", "n")
    )
    reported = dict(
        Case.objects.filter(reporter_id__in=ids, reported_at__gte=start, reported_at__lt=end)
        .values_list("reporter_id")
        .annotate(n=Count("id"))
        .values_list("reporter_id", "n")
    )
    with transaction.atomic():
        existing = {
            log.worker_id: log
            for log in WorkLog.objects.select_for_update().filter(day=day, worker_id__in=ids)
        }
        fresh, changed = [], []
        for user_id in ids:
            minutes, metres, inside = patrol_figures(tracks.get(user_id, []), grids[user_id])
            figures = {
                "area_code": min(grids[user_id]),
                "patrol_minutes": minutes,
                "distance_m": metres,
                "positions": inside,
                "visits": visits.get(user_id, 0),
                "cases_reported": reported.get(user_id, 0),
            }
            log = existing.get(user_id)
            if log is None:
                fresh.append(WorkLog(worker_id=user_id, day=day, drafted_at=now, **figures))
            elif log.status == WorkLog.Status.DRAFT:
                for name, value in figures.items():
                    setattr(log, name, value)
                log.drafted_at = now
                changed.append(log)
        WorkLog.objects.bulk_create(fresh, batch_size=2000)
        if changed:
            WorkLog.objects.bulk_update(changed, [*FIGURE_FIELDS, "drafted_at"], batch_size=2000)
        if fresh:
            if fresh[0].pk is None:  # back-ends without RETURNING on bulk inserts
                fresh = list(WorkLog.objects.filter(day=day, worker_id__in=[log.worker_id for log in fresh]))
            FieldEvent.objects.bulk_create(
                [
                    _event(
                        FieldEventKind.DRAFTED,
                        log.area_code,
                        work_log=log,
                        at=now,
                        minutes=log.patrol_minutes,
                        metres=log.distance_m,
                    )
                    for log in fresh
                ],
                batch_size=2000,
            )
    return len(fresh) + len(changed)


def work_logs_sweep(*, now=None) -> int:
    """The deadline sweep's step (registered by ``FieldworkConfig.ready``): once a day, yesterday's logs of
    every grid worker are drafted. Nothing due costs one indexed query."""
    now = now or timezone.now()
    yesterday = local(now).date() - datetime.timedelta(days=1)
    if DraftedDay.objects.filter(day=yesterday).exists():
        return 0
    with transaction.atomic():
        _row, created = DraftedDay.objects.get_or_create(day=yesterday, defaults={"at": now})
        if not created:
            return 0
        return work_logs_draft(day=yesterday, now=now)


def work_log_submit(*, actor, log_id, summary: str, issues: str = "") -> WorkLog:
    """The worker completes the drafted log (what was done, problems and follow-up) and submits it."""
    with transaction.atomic():
        log = WorkLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None:
            raise ValidationError({"log": [_("No such work log.")]})
        if log.worker_id != actor.pk:
            raise PermissionDenied(_("Only the grid worker completes their own work log."))
        errors = {}
        if log.status == WorkLog.Status.SUBMITTED:
            errors["__all__"] = [_("This work log is already submitted.")]
        if log.day > timezone.localdate():
            errors["__all__"] = [_("A work log is submitted on its day or later.")]
        if not (summary or "").strip():
            errors["summary"] = [_("Write what you did that day.")]
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        log.summary, log.issues = summary.strip(), (issues or "").strip()
        log.status, log.submitted_at = WorkLog.Status.SUBMITTED, now
        log.save(update_fields=["summary", "issues", "status", "submitted_at"])
        FieldEvent.objects.bulk_create(
            [_event(FieldEventKind.SUBMITTED, log.area_code, actor=actor, work_log=log, at=now)]
        )
    return log


def work_log_today(*, worker) -> WorkLog | None:
    """The worker's log of today, drafted afresh from the track so far (None for someone with no grid)."""
    today = timezone.localdate()
    work_logs_draft(day=today, worker_ids=[worker.pk])
    return WorkLog.objects.filter(worker=worker, day=today).first()

"""Demo: the last months' grid days (every community, cadres of the street and the departments sent to its
grids, most of them checked in on site with what they did and found, a few findings raised as cases), this
month's grid day ahead, and the grid workers' work logs of the last ten days (submitted, yesterday's still a
draft) with today's drafted from the patrol tracks the command demo laid.

Called by ``load_demo`` through ``grids.demo.load_app_demos`` (``DEMO_APPS``) after command. Rows are written
in bulk (with their events on the chained trail, numbered and hashed in one turn at the head); the findings
go through ``cases.services.case_report``, as a cadre's report would.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from cases.models import Category
from cases.services import case_report
from grids.models import Area, Department, Level, Membership, Role
from worktime.calendar import is_working_day
from worktime.calendar.schedule import LOCAL_TZ

from . import services
from .models import Deployment, DraftedDay, FieldEvent, FieldEventKind, GridDay, WorkLog

PAST_MONTHS = 2
LOG_DAYS = 7
FINDINGS = 6
DID = [
    "走访独居老人{n}户，了解生活需求",
    "召开楼栋长小会，通报近期安全隐患",
    "入户宣传防诈骗知识{n}户",
    "排查沿街店铺消防通道{n}处",
    "走访困难家庭{n}户，核实救助申请",
    "检查小区电动车停放充电情况",
]
FOUND = ["楼道堆放杂物", "电动车入户充电", "路灯不亮", "井盖松动", "消防栓被遮挡"]
SUMMARY = ["巡查网格{n}圈，走访{v}户", "巡查重点场所，走访{v}户，上报{c}件", "入户走访{v}户，更新人口信息"]


def _day_in(month: dt.date, rng) -> dt.date:
    """A working day in the second half of the month (grid days are usually around the 20th)."""
    day = month.replace(day=rng.randint(15, 22))
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TZ)


def _months_back(today: dt.date, n: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _people(district):
    """Cadres by street (street staff), department handlers with the area codes their departments cover,
    community organisers, and grid workers' grids."""
    by_street: dict[str, list] = {}
    handlers: list[tuple[int, int]] = []
    organisers: dict[str, int] = {}
    workers: dict[int, str] = {}
    members = Membership.objects.filter(is_active=True, area__code__startswith=district.code).values_list(
        "user_id", "role", "area__code", "department_id"
    )
    for user_id, role, code, department_id in members.order_by("user_id", "id"):
        if role == Role.STREET_STAFF:
            by_street.setdefault(code, []).append(user_id)
        elif role == Role.DEPARTMENT_HANDLER:
            handlers.append((user_id, department_id))
        elif role == Role.COMMUNITY_STAFF:
            organisers.setdefault(code, user_id)
        elif role == Role.GRID_WORKER and len(code) >= services.GRID_LEN:
            workers.setdefault(user_id, code[: services.GRID_LEN])
    covered: dict[int, list] = {}
    for department_id, code in Department.covered_areas.through.objects.values_list(
        "department_id", "area__code"
    ):
        covered.setdefault(department_id, []).append(code)
    departments = [(user_id, tuple(covered.get(dep, ()))) for user_id, dep in sorted(set(handlers))]
    return by_street, departments, organisers, workers


def build(*, district, seed=2024, now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = random.Random(seed)
    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, is_active=True, code__startswith=district.code).order_by(
            "code"
        )
    )
    grids: dict[str, list] = {}
    for grid in Area.objects.filter(
        level=Level.GRID, is_active=True, code__startswith=district.code
    ).order_by("code"):
        grids.setdefault(grid.code[: services.COMMUNITY_LEN], []).append(grid)
    by_street, departments, organisers, workers = _people(district)
    fallback = next(iter(organisers.values()), None)
    result = {"grid_days": 0, "deployments": 0, "checked_in": 0, "findings": 0, "logs": 0}
    if fallback is None:
        return result
    with transaction.atomic():
        days = []
        for back in range(PAST_MONTHS, -1, -1):
            month = _months_back(today, back)
            for community in communities:
                day = _day_in(month, rng)
                if back == 0 and day < today:  # this month's is still ahead (or today)
                    day = today
                days.append(
                    GridDay(
                        community=community,
                        community_code=community.code,
                        month=month,
                        day=day,
                        title=f"{month.month}月网格日",
                        note="走访入户、排查隐患、收集民意",
                        created_by_id=organisers.get(community.code, fallback),
                        created_at=_at(month, 9),
                    )
                )
        GridDay.objects.bulk_create(days, batch_size=2000)
        deployments, events = [], []
        for grid_day in days:
            organiser = grid_day.created_by_id
            events.append(
                services._event(
                    FieldEventKind.SCHEDULED,
                    grid_day.community_code,
                    actor=organiser,
                    grid_day=grid_day,
                    at=grid_day.created_at,
                )
            )
            street = by_street.get(grid_day.community_code[:9], [])
            held = grid_day.day < today
            for grid in grids.get(grid_day.community_code, []):
                cadres = {rng.choice(street)} if street else set()
                # A department's cadre goes to grids the department covers (they report findings there).
                near = [u for u, codes in departments if any(grid.code.startswith(c) for c in codes)]
                if near and (not cadres or rng.random() < 0.25):
                    cadres.add(rng.choice(near))
                for cadre in sorted(cadres):
                    came = held and rng.random() < 0.85
                    n = rng.randint(2, 6)
                    deployments.append(
                        Deployment(
                            grid_day=grid_day,
                            grid=grid,
                            area_code=grid.code,
                            cadre_id=cadre,
                            assigned_by_id=organiser,
                            assigned_at=grid_day.created_at,
                            checked_in_at=_at(grid_day.day, 9, rng.randint(0, 50)) if came else None,
                            check_lat=grid.centroid_lat if came else None,
                            check_lon=grid.centroid_lon if came else None,
                            did=rng.choice(DID).format(n=n) if came else "",
                            found=rng.choice(FOUND) if came and rng.random() < 0.3 else "",
                            recorded_at=_at(grid_day.day, 11, rng.randint(0, 59)) if came else None,
                        )
                    )
        Deployment.objects.bulk_create(deployments, batch_size=2000)
        for d in deployments:
            events.append(
                services._event(
                    FieldEventKind.ASSIGNED,
                    d.area_code,
                    actor=d.assigned_by_id,
                    grid_day=d.grid_day,
                    deployment=d,
                    at=d.assigned_at,
                )
            )
            if d.checked_in_at:
                events.append(
                    services._event(
                        FieldEventKind.CHECKED_IN,
                        d.area_code,
                        actor=d.cadre_id,
                        grid_day=d.grid_day,
                        deployment=d,
                        at=d.checked_in_at,
                    )
                )
                events.append(
                    services._event(
                        FieldEventKind.RECORDED,
                        d.area_code,
                        actor=d.cadre_id,
                        grid_day=d.grid_day,
                        deployment=d,
                        at=d.recorded_at,
                    )
                )
        result["findings"] = _findings(deployments, rng, events)
        FieldEvent.objects.bulk_create(sorted(events, key=lambda e: e.at), batch_size=2000)
        result.update(
            grid_days=len(days),
            deployments=len(deployments),
            checked_in=sum(1 for d in deployments if d.checked_in_at),
        )
        result["logs"] = _work_logs(workers, today, now, rng)
    result["logs"] += services.work_logs_draft(day=today, worker_ids=list(workers), now=now)
    return result


def _findings(deployments, rng, events) -> int:
    """A few findings raised as cases on their grid day (each case reported at the visit's time)."""
    found = [d for d in deployments if d.found and d.checked_in_at]
    category = Category.objects.filter(is_active=True, parent__isnull=False).order_by("code").first()
    if category is None:
        return 0
    chosen = sorted(rng.sample(found, min(FINDINGS, len(found))), key=lambda d: d.pk)
    for d in chosen:
        d.case = case_report(
            actor=d.cadre,
            category=category,
            title=d.found,
            description=f"网格日下沉发现：{d.found}",
            lat=d.check_lat,
            lon=d.check_lon,
            at=d.recorded_at,
        ).case
        events.append(
            services._event(
                FieldEventKind.FINDING,
                d.area_code,
                actor=d.cadre_id,
                grid_day=d.grid_day,
                deployment=d,
                at=d.recorded_at,
                case=d.case.pk,
                number=d.case.number,
            )
        )
    Deployment.objects.bulk_update(chosen, ["case"])
    return len(chosen)


def _work_logs(workers: dict, today: dt.date, now, rng) -> int:
    """The last ten days' logs of every grid worker: working days mostly on patrol, yesterday's a draft."""
    logs = []
    days = [today - dt.timedelta(days=k) for k in range(LOG_DAYS, 0, -1)]
    # The sweep may have drafted yesterday already while the cases demo ran: those logs stay as drafted.
    drafted = set(WorkLog.objects.filter(day__in=days).values_list("worker_id", "day"))
    for day in days:
        working = is_working_day(day)
        for user_id, grid_code in sorted(workers.items()):
            if (user_id, day) in drafted:
                continue
            on_patrol = working and rng.random() < 0.9
            minutes = rng.randint(150, 330) if on_patrol else rng.choice([0, 0, rng.randint(20, 110)])
            visits, cases = (rng.randint(1, 8), rng.randint(0, 3)) if on_patrol else (0, 0)
            submitted = day < today - dt.timedelta(days=1) and (on_patrol or rng.random() < 0.3)
            logs.append(
                WorkLog(
                    worker_id=user_id,
                    day=day,
                    area_code=grid_code,
                    patrol_minutes=minutes,
                    distance_m=int(minutes * rng.uniform(35, 55)),
                    positions=minutes * 2,
                    visits=visits,
                    cases_reported=cases,
                    summary=rng.choice(SUMMARY).format(n=rng.randint(1, 3), v=visits, c=cases)
                    if submitted
                    else "",
                    status=WorkLog.Status.SUBMITTED if submitted else WorkLog.Status.DRAFT,
                    drafted_at=_at(day + dt.timedelta(days=1), 0, 5),
                    submitted_at=_at(day, 18, rng.randint(0, 59)) if submitted else None,
                )
            )
    WorkLog.objects.bulk_create(logs, batch_size=2000)
    # The sweep drafted these days already (it drafts yesterday once): it leaves them as they are.
    DraftedDay.objects.bulk_create(
        [DraftedDay(day=day, at=_at(day + dt.timedelta(days=1), 0, 5)) for day in days], ignore_conflicts=True
    )
    FieldEvent.objects.bulk_create(
        [
            services._event(FieldEventKind.DRAFTED, log.area_code, work_log=log, at=log.drafted_at)
            for log in logs
        ]
        + [
            services._event(
                FieldEventKind.SUBMITTED,
                log.area_code,
                actor=log.worker_id,
                work_log=log,
                at=log.submitted_at,
            )
            for log in logs
            if log.submitted_at
        ],
        batch_size=2000,
    )
    return len(logs)


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    r = build(district=district, seed=seed)
    stdout.write(
        f"Field work: {r['grid_days']} grid days, {r['deployments']} cadres sent to grids "
        f"({r['checked_in']} checked in, {r['findings']} findings as cases), {r['logs']} work logs"
    )

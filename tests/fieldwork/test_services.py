import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cases.models import Case, Category
from command.models import PatrolPosition
from dispatch.models import Notification
from fieldwork import services
from fieldwork.models import DraftedDay, FieldEvent, FieldEventKind, GridDay, WorkLog
from gridgov import audit_chain
from residents.models import Place, Visit
from tests.factories import make_user, report

from .conftest import GRID_DAY, MORNING, SH, inside, schedule

pytestmark = pytest.mark.django_db


def _assigned(tree, grid=0, cadre="street"):
    grid_day = schedule(tree)
    return services.cadre_assign(
        actor=tree.users["community"],
        grid_day_id=grid_day.pk,
        grid_id=tree.grids[grid].pk,
        cadre_id=tree.users[cadre].pk,
    )


def test_it_schedules_one_grid_day_a_month(tree, before):
    grid_day = schedule(tree)
    assert (grid_day.month, grid_day.community_code) == (dt.date(2026, 3, 1), tree.communities[0].code)
    with pytest.raises(ValidationError) as refused:
        schedule(tree, day=dt.date(2026, 3, 25))
    assert "day" in refused.value.message_dict
    assert GridDay.objects.count() == 1
    assert schedule(tree, day=dt.date(2026, 4, 15)).month == dt.date(2026, 4, 1)


def test_it_refuses_a_past_day_and_an_outsider(tree, before):
    with pytest.raises(ValidationError):
        schedule(tree, day=dt.date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        schedule(tree, actor="worker")
    with pytest.raises(PermissionDenied):
        schedule(tree, community=2)  # community staff of community 0 only
    assert schedule(tree, community=2, actor="centre").community == tree.communities[2]
    assert GridDay.objects.count() == 1


def test_it_sends_a_cadre_down_and_tells_them(tree, before):
    d = _assigned(tree)
    assert d.area_code == tree.grids[0].code
    assert Notification.objects.filter(recipient=tree.users["street"], kind="grid_day").count() == 1
    handler = services.cadre_assign(
        actor=tree.users["community"],
        grid_day_id=d.grid_day_id,
        grid_id=tree.grids[1].pk,
        cadre_id=tree.users["handler"].pk,
    )
    assert handler.cadre == tree.users["handler"]


@pytest.mark.parametrize(
    ("grid", "cadre", "field"),
    [(0, "worker", "cadre"), (2, "street", "grid"), (0, "community_b", "cadre")],
    ids=["a grid worker", "a grid of another community", "community staff"],
)
def test_it_refuses_a_wrong_grid_or_a_non_cadre(tree, before, grid, cadre, field):
    grid_day = schedule(tree)
    with pytest.raises(ValidationError) as refused:
        services.cadre_assign(
            actor=tree.users["community"],
            grid_day_id=grid_day.pk,
            grid_id=tree.grids[grid].pk,
            cadre_id=tree.users[cadre].pk,
        )
    assert field in refused.value.message_dict
    assert not grid_day.deployments.exists()


def test_it_refuses_a_department_cadre_outside_the_departments_areas(tree, before):
    grid_day = schedule(tree, community=2, actor="centre")  # street 1: the department covers street 0 only
    with pytest.raises(ValidationError) as refused:
        services.cadre_assign(
            actor=tree.users["centre"],
            grid_day_id=grid_day.pk,
            grid_id=tree.grids[4].pk,
            cadre_id=tree.users["handler"].pk,
        )
    assert "cadre" in refused.value.message_dict


def test_it_refuses_a_street_cadre_of_another_street(tree, before):
    from grids.models import Role

    other = make_user("other-street", Role.STREET_STAFF, tree.streets[1])
    grid_day = schedule(tree)
    with pytest.raises(ValidationError):
        services.cadre_assign(
            actor=tree.users["community"],
            grid_day_id=grid_day.pk,
            grid_id=tree.grids[0].pk,
            cadre_id=other.pk,
        )


def test_it_checks_in_only_inside_the_grid_on_its_day(tree, before):
    d = _assigned(tree)
    street = tree.users["street"]
    with pytest.raises(ValidationError) as early:
        services.check_in(actor=street, deployment_id=d.pk, **inside(tree.grids[0]))
    assert "__all__" in early.value.message_dict
    before.move_to(MORNING)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as outside:
        services.check_in(actor=street, deployment_id=d.pk, **inside(tree.grids[1]))  # the neighbouring grid
    assert "范围内" in outside.value.message_dict["location"][0]
    with pytest.raises(ValidationError):
        services.check_in(actor=street, deployment_id=d.pk, lat=0.0, lon=0.0)  # outside the district
    with pytest.raises(PermissionDenied):
        services.check_in(actor=tree.users["worker"], deployment_id=d.pk, **inside(tree.grids[0]))
    d.refresh_from_db()
    assert d.checked_in_at is None
    done = services.check_in(actor=street, deployment_id=d.pk, **inside(tree.grids[0]))
    assert done.checked_in_at is not None and done.check_lat == tree.grids[0].centroid_lat
    with pytest.raises(ValidationError):
        services.check_in(actor=street, deployment_id=d.pk, **inside(tree.grids[0]))
    kinds = list(FieldEvent.objects.values_list("kind", flat=True))
    assert kinds == [FieldEventKind.SCHEDULED, FieldEventKind.ASSIGNED, FieldEventKind.CHECKED_IN]


def test_a_finding_raises_a_case_linked_both_ways(tree, before):
    d = _assigned(tree)
    street = tree.users["street"]
    before.move_to(MORNING)
    with pytest.raises(ValidationError) as first:
        services.deployment_record(actor=street, deployment_id=d.pk, did="走访")
    assert "__all__" in first.value.message_dict
    services.check_in(actor=street, deployment_id=d.pk, **inside(tree.grids[0]))
    with pytest.raises(ValidationError) as empty:
        services.deployment_record(actor=street, deployment_id=d.pk, did="  ")
    assert "did" in empty.value.message_dict
    category = Category.objects.get(code="01001")
    done = services.deployment_record(
        actor=street,
        deployment_id=d.pk,
        did="走访独居老人3户",
        found="井盖缺失",
        finding={"category": category.pk, "title": "3栋旁井盖缺失"},
    )
    case = Case.objects.get()
    assert done.case == case and list(case.grid_day_findings.all()) == [done]
    assert case.area_id == tree.grids[0].pk
    with pytest.raises(ValidationError):
        services.deployment_record(
            actor=street, deployment_id=d.pk, did="再次", finding={"category": category.pk, "title": "又一个"}
        )
    assert Case.objects.count() == 1
    finding = FieldEvent.objects.get(kind=FieldEventKind.FINDING)
    assert finding.payload["case"] == case.pk
    assert audit_chain.breaks(["field_events"]) == []


def test_a_bad_category_leaves_nothing(tree, before):
    d = _assigned(tree)
    before.move_to(MORNING)
    services.check_in(actor=tree.users["street"], deployment_id=d.pk, **inside(tree.grids[0]))
    with pytest.raises(ValidationError) as refused:
        services.deployment_record(
            actor=tree.users["street"], deployment_id=d.pk, did="走访", finding={"category": 999999}
        )
    assert "finding.category" in refused.value.message_dict
    d.refresh_from_db()
    assert d.did == "" and not Case.objects.exists()


# --- Work logs ---------------------------------------------------------------------------------------

T0 = dt.datetime(2026, 3, 17, 9, tzinfo=SH)
GRID = "430104001001001"


def test_patrol_time_counts_gaps_and_the_grid():
    m = dt.timedelta(minutes=1)
    points = [
        (T0, 28.0, 112.0, GRID),
        (T0 + 5 * m, 28.0, 112.001, GRID),  # 5 min, ~98 m
        (T0 + 10 * m, 28.0, 112.002, GRID + "001"),  # a micro-grid of the grid counts: 5 min, ~98 m
        (T0 + 25 * m, 28.0, 112.003, GRID),  # a 15-minute gap breaks the time
        (T0 + 30 * m, 28.0, 112.004, "430104001001002"),  # another grid: not counted
        (T0 + 35 * m, 28.0, 112.005, GRID),  # after a point outside: nothing
        (T0 + 40 * m, 28.0, 112.005, GRID),  # 5 min standing still
    ]
    minutes, metres, inside_points = services.patrol_figures(points, {GRID})
    assert minutes == 15
    assert 195 <= metres <= 197  # two steps of 0.001° of longitude at 28° N: 2 × 98.2 m
    assert inside_points == 6


def _track(user, grid, start, minutes, step=2):
    PatrolPosition.objects.bulk_create(
        [
            PatrolPosition(
                user=user,
                lat=grid.centroid_lat,
                lon=grid.centroid_lon + k * 0.0001,
                recorded_at=start + dt.timedelta(minutes=k * step),
                area_code=grid.code,
            )
            for k in range(minutes // step + 1)
        ]
    )


def test_it_drafts_the_day_from_the_track_visits_and_reports(tree, before, catalogue):
    worker, grid = tree.users["worker"], tree.grids[0]
    _track(worker, grid, T0, 150)
    _track(worker, grid, T0 + dt.timedelta(hours=4), 30)  # a second round after a long break
    shop = Place.objects.create(area=grid, name="便民超市", kind=Place.Kind.choices[0][0])
    Visit.objects.create(area=grid, place=shop, visitor=worker, visited_at=T0 + dt.timedelta(hours=1))
    Visit.objects.create(area=grid, place=shop, visitor=worker, visited_at=T0 - dt.timedelta(days=1))
    report(tree, Category.objects.get(code="01001"), at=T0 + dt.timedelta(hours=2))
    before.move_to(T0 + dt.timedelta(days=1))
    assert services.work_logs_draft(day=T0.date()) == 2  # the two grid workers
    log = WorkLog.objects.get(worker=worker)
    assert (log.patrol_minutes, log.visits, log.cases_reported, log.area_code) == (180, 1, 1, grid.code)
    assert log.positions == 76 + 16 and log.distance_m > 0
    assert WorkLog.objects.get(worker=tree.users["worker2"]).patrol_minutes == 0
    assert services.work_logs_draft(day=T0.date()) == 2  # refreshed, not doubled
    assert WorkLog.objects.count() == 2
    assert FieldEvent.objects.filter(kind=FieldEventKind.DRAFTED).count() == 2


def test_the_sweep_drafts_yesterday_once(tree, before):
    _track(tree.users["worker"], tree.grids[0], T0, 20)
    now = T0 + dt.timedelta(days=1)
    assert services.work_logs_sweep(now=now) == 2
    assert services.work_logs_sweep(now=now) == 0
    assert DraftedDay.objects.get().day == T0.date()


def test_the_sweep_runs_the_step(tree):
    from dispatch.sweep import STEPS

    assert STEPS["work_logs_draft"] is services.work_logs_sweep


def test_the_worker_submits_their_log_and_it_stays(tree, before):
    worker = tree.users["worker"]
    _track(worker, tree.grids[0], T0, 20)
    before.move_to(T0 + dt.timedelta(days=1))
    services.work_logs_draft(day=T0.date())
    log = WorkLog.objects.get(worker=worker)
    with pytest.raises(ValidationError) as empty:
        services.work_log_submit(actor=worker, log_id=log.pk, summary=" ")
    assert "summary" in empty.value.message_dict
    with pytest.raises(PermissionDenied):
        services.work_log_submit(actor=tree.users["worker2"], log_id=log.pk, summary="我的")
    done = services.work_log_submit(actor=worker, log_id=log.pk, summary="巡查两圈", issues="3栋外墙")
    assert done.status == WorkLog.Status.SUBMITTED
    with pytest.raises(ValidationError):
        services.work_log_submit(actor=worker, log_id=log.pk, summary="再交")
    _track(worker, tree.grids[0], T0 + dt.timedelta(hours=3), 60)
    services.work_logs_draft(day=T0.date())
    log.refresh_from_db()
    assert log.patrol_minutes == 20 and log.summary == "巡查两圈"  # a submitted log is the worker's


def test_today_is_drafted_on_demand(tree):
    worker = tree.users["worker"]
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        _track(worker, tree.grids[0], T0, 60)
        log = services.work_log_today(worker=worker)
    assert log.day == T0.date() and log.patrol_minutes == 60
    assert services.work_log_today(worker=tree.users["street"]) is None  # no grid of their own


def test_the_trail_verifies(tree, before):
    d = _assigned(tree)
    before.move_to(MORNING)
    services.check_in(actor=tree.users["street"], deployment_id=d.pk, **inside(tree.grids[0]))
    assert audit_chain.breaks(["field_events"]) == []
    with pytest.raises(PermissionError):
        FieldEvent.objects.first().delete()
    assert d.grid_day.day == GRID_DAY

"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""


def _grid_day(tree, i):
    from django.utils import timezone

    from fieldwork import services
    from fieldwork.models import GridDay

    community = tree.grids[i].parent
    today = timezone.localdate()
    found = GridDay.objects.filter(community=community, month=today.replace(day=1)).first()
    return found or services.grid_day_schedule(
        actor=tree.users["centre"], community_id=community.pk, day=today, title=f"网格日{i}"
    )


def grid_day_in(tree, i):
    return _grid_day(tree, i).pk


def deployment_in(tree, i):
    from fieldwork import services

    return services.cadre_assign(
        actor=tree.users["centre"],
        grid_day_id=_grid_day(tree, i).pk,
        grid_id=tree.grids[i].pk,
        cadre_id=tree.users["centre"].pk,
    ).pk


def _worker_of(tree, i):
    from grids.models import Role
    from tests.factories import make_user

    if i == 0:
        return tree.users["worker"]
    return make_user(f"fieldwork-worker-{i}", Role.GRID_WORKER, tree.grids[i])


def _work_log(tree, i):
    from django.utils import timezone

    from fieldwork import services
    from fieldwork.models import WorkLog

    worker = _worker_of(tree, i)
    services.work_logs_draft(day=timezone.localdate(), worker_ids=[worker.pk])
    return WorkLog.objects.get(worker=worker, day=timezone.localdate())


def work_log_in(tree, i):
    return _work_log(tree, i).pk


def field_event_in(tree, i):
    return _work_log(tree, i).events.get().pk


MAKERS = {
    "grid-day": grid_day_in,
    "grid-day-deployment": deployment_in,
    "work-log": work_log_in,
    "field-event": field_event_in,
}
EXEMPT: dict = {}

"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""


def _task_in(tree, i):
    from datetime import timedelta

    from django.utils import timezone

    from tasks import services
    from tasks.models import AdmissionItem, AdmissionList
    from worktime.calendar import is_working_day

    listed = AdmissionList.objects.first()
    if listed is None:
        services.admission_list_publish(
            actor=tree.users["centre"],
            version=1,
            title="清单",
            approved_by="区政府",
            approved_on=timezone.localdate(),
            effective_from=timezone.localdate() - timedelta(days=1),
            items=[
                {
                    "code": "C02",
                    "name": "安全隐患巡查",
                    "item_class": "安全隐患巡查",
                    "basis": "条例",
                    "grid_action": "patrol",
                }
            ],
        )
    deadline = timezone.now() + timedelta(days=3)
    while not is_working_day(timezone.localtime(deadline).date()):
        deadline += timedelta(days=1)
    from residents.models import Building

    Building.objects.create(area=tree.grids[i], code=f"SCOPE-{i}", name=f"{i}栋")
    return services.task_create(
        actor=tree.users["centre"],
        title=f"任务{i}",
        item=AdmissionItem.objects.get(code="C02"),
        selection={"grids": [tree.grids[i].code]},
        starts_at=timezone.now(),
        deadline=deadline,
        target_kind="building",
        fields=[{"code": "ok", "label": "好", "datatype": "string"}],
    )


def task_in(tree, i):
    return _task_in(tree, i).pk


def assignment_in(tree, i):
    return _task_in(tree, i).assignments.get().pk


def target_in(tree, i):
    from tasks.models import Target

    return Target.objects.get(assignment=_task_in(tree, i).assignments.get()).pk


def result_in(tree, i):
    from grids.models import Role, User
    from tasks import services
    from tasks.models import Target
    from tests.factories import make_user

    assignment = _task_in(tree, i).assignments.get()
    worker = (
        tree.users["worker"]
        if i == 0
        else (
            User.objects.filter(username=f"tasker-{i}").first()
            or make_user(f"tasker-{i}", Role.GRID_WORKER, tree.grids[i])
        )
    )
    target = Target.objects.get(assignment=assignment)
    return services.result_record(
        actor=worker, assignment_id=assignment.pk, target_id=target.pk, values={"ok": "是"}
    ).pk


def event_in(tree, i):
    return _task_in(tree, i).events.get().pk


def refusal_in(tree, i):
    from tasks.admission import refusal_record

    return refusal_record(
        kind="case_dispatch", subject="x", reason="该事项不在网格事项准入清单内", area_code=tree.grids[i].code
    ).pk


MAKERS = {
    "task": task_in,
    "task-assignment": assignment_in,
    "task-target": target_in,
    "task-result": result_in,
    "task-event": event_in,
    "admission-refusal": refusal_in,
}
# basename -> why the endpoint is not area-scoped
EXEMPT = {
    "admission-list": "the district's admission list is the same for every member of the organisation",
    "admission-item": "the district's admission list is the same for every member of the organisation",
}

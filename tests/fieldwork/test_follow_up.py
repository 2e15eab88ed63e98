"""A grid-day finding raised as a follow-up task for the grid (an admitted item), linked both ways."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from fieldwork import services
from fieldwork.models import Deployment, FieldEvent, FieldEventKind
from tasks.models import AdmissionItem, AdmissionRefusal, Task
from tasks.services import admission_list_publish
from tests.tasks.conftest import ITEMS

from .conftest import MORNING, inside, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_site(tree, before):
    call_command("load_holidays", year=[2026], stdout=io.StringIO())
    admission_list_publish(
        actor=tree.users["centre"],
        version=1,
        title="测试区网格事项准入清单",
        approved_by="测试区人民政府",
        approved_on=dt.date(2025, 12, 20),
        effective_from=dt.date(2026, 1, 1),
        items=ITEMS,
    )
    grid_day = schedule(tree)
    d = services.cadre_assign(
        actor=tree.users["community"],
        grid_day_id=grid_day.pk,
        grid_id=tree.grids[0].pk,
        cadre_id=tree.users["street"].pk,
    )
    before.move_to(MORNING)
    services.check_in(actor=tree.users["street"], deployment_id=d.pk, **inside(tree.grids[0]))
    return d


def _follow_up(tree, d, item="C02"):
    return services.deployment_record(
        actor=tree.users["street"],
        deployment_id=d.pk,
        did="走访沿街商铺",
        found="燃气软管老化",
        finding={"raise": "task", "item": item, "title": "燃气软管复查", "deadline": dt.date(2026, 3, 25)},
    )


def test_it_raises_a_follow_up_task_for_the_grid_linked_both_ways(tree, on_site):
    done = _follow_up(tree, on_site)
    task = Task.objects.get()
    assert done.task == task and list(task.grid_day_findings.all()) == [done]
    assert task.item.code == "C02" and task.instructions == "燃气软管老化"
    assert list(task.assignments.values_list("area_code", flat=True)) == [tree.grids[0].code]
    event = FieldEvent.objects.filter(kind=FieldEventKind.FINDING).get()
    assert event.payload["task"] == task.pk
    with pytest.raises(ValidationError) as again:
        _follow_up(tree, on_site)
    assert "finding" in again.value.message_dict and Task.objects.count() == 1


def test_a_follow_up_for_an_item_not_admitted_is_refused_with_its_reason_and_recorded(tree, on_site):
    with pytest.raises(ValidationError) as refused:
        _follow_up(tree, on_site, item="Z99")  # on the list, but not for grid workers
    assert "不得指派网格员" in refused.value.message_dict["finding.item"][0]
    with pytest.raises(ValidationError) as unknown:
        _follow_up(tree, on_site, item="X00")
    assert unknown.value.message_dict["finding.item"] == ["该事项不在网格事项准入清单内"]
    assert AdmissionRefusal.objects.count() == 2
    assert not Task.objects.exists()
    assert Deployment.objects.get().recorded_at is None  # nothing half-saved


def test_a_follow_up_due_on_a_holiday_is_refused_by_field(tree, on_site):
    with pytest.raises(ValidationError) as refused:
        services.deployment_record(
            actor=tree.users["street"],
            deployment_id=on_site.pk,
            did="走访",
            finding={"raise": "task", "item": "C02", "title": "复查", "deadline": dt.date(2026, 3, 28)},
        )
    assert "finding.deadline" in refused.value.message_dict and not Task.objects.exists()


def test_both_pages_show_the_link_to_owner_and_member_not_to_a_stranger(tree, on_site, client):
    done = _follow_up(tree, on_site)
    client.force_login(tree.users["street"])  # the cadre who raised it, and its sender
    page = client.get(f"/fieldwork/visits/{done.pk}/").content.decode()
    assert f"/tasks/{done.task_id}/" in page
    task_page = client.get(f"/tasks/{done.task_id}/").content.decode()
    assert f"/fieldwork/visits/{done.pk}/" in task_page
    client.force_login(tree.users["community"])  # the grid's community organised the day
    assert f"/tasks/{done.task_id}/" in client.get(f"/fieldwork/visits/{done.pk}/").content.decode()
    client.force_login(tree.users["community_b"])
    assert client.get(f"/fieldwork/visits/{done.pk}/").status_code == 404
    assert client.get(f"/tasks/{done.task_id}/").status_code == 404


def test_the_phone_form_raises_a_follow_up_and_shows_a_refusal_next_to_the_field(tree, on_site, client):
    client.force_login(tree.users["street"])
    url = f"/fieldwork/visits/{on_site.pk}/record/"
    z99 = AdmissionItem.objects.get(code="Z99")
    refused = client.post(url, {"did": "走访", "follow_up": "on", "item": z99.pk, "deadline": "2026-03-25"})
    assert refused.status_code == 400 and "不得指派网格员" in refused.content.decode()
    c02 = AdmissionItem.objects.get(code="C02")
    ok = client.post(url, {"did": "走访", "follow_up": "on", "item": c02.pk, "deadline": "2026-03-25"})
    assert ok.status_code == 302 and Deployment.objects.get().task_id

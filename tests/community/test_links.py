"""Issue 20's links between the community and the rest: council follow-up actions carried out as tasks (an
admitted item, else the refusal with its reason) or cases, both pages showing the link; agenda items raised
from tasks; volunteer activities created from tasks; notices to volunteers and liaisons with their receipts;
scope for owner, member and stranger."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case, Category
from community import services
from community.models import Activity, CouncilEvent, FollowUp, VolunteerNoticeReceipt
from dispatch.models import Notification
from notices.services import notice_publish
from residents.models import Person
from tasks.models import AdmissionRefusal, Task
from tests.tasks.conftest import SH, admitted, monday  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

FOUR = [
    {"role": "party", "name": "刘书记"},
    {"role": "property", "name": "陈经理"},
    {"role": "owners", "name": "周主任"},
    {"role": "residents", "name": "李桂英"},
]
FRIDAY = date(2026, 3, 6)


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def action(tree, admitted):  # noqa: F811
    """A passed decision of community 0's council with one follow-up action due on Friday."""
    council = services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="四方议事会", members=FOUR
    )
    members = list(council.members.order_by("id"))
    meeting = services.meeting_hold(
        actor=tree.users["community"],
        council=council,
        held_at=datetime(2026, 3, 2, 8, tzinfo=SH),
        place="党群服务中心",
        present=members[:3],
        agenda=[{"text": "楼道堆物"}],
    )
    decision = services.decision_record(
        actor=tree.users["community"],
        meeting=meeting,
        text="清理各楼道堆物",
        votes={str(m.pk): "for" for m in members[:3]},
        follow_ups=[{"what": "逐栋清理楼道堆物", "who": "物业 陈经理", "deadline": FRIDAY}],
    )
    return decision.follow_ups.get()


# -- follow-up actions as tasks ------------------------------------------------------------------------------


def test_it_sends_a_follow_up_as_a_task_to_the_grids_of_the_council(tree, action, admitted):  # noqa: F811
    task = services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=admitted["C02"])
    action.refresh_from_db()
    assert action.task == task and task.item.code == "C02"
    assert sorted(task.assignments.values_list("area_code", flat=True)) == [
        tree.grids[0].code,
        tree.grids[1].code,
    ]
    assert task.deadline == datetime(2026, 3, 6, 17, 30, tzinfo=SH)
    assert "清理各楼道堆物" in task.instructions
    assert CouncilEvent.objects.filter(kind="raised", payload__task=task.pk).count() == 1


def test_it_sends_it_to_the_grids_chosen_and_only_those_of_the_council(tree, action, admitted):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        services.follow_up_to_task(
            actor=tree.users["community"], follow_up=action, item=admitted["C02"], grids=[tree.grids[4].code]
        )
    assert "grids" in exc.value.message_dict
    task = services.follow_up_to_task(
        actor=tree.users["community"], follow_up=action, item=admitted["C02"], grids=[tree.grids[1].code]
    )
    assert list(task.assignments.values_list("area_code", flat=True)) == [tree.grids[1].code]


@pytest.mark.parametrize("code", [None, "Z99"])
def test_it_refuses_a_task_without_an_admitted_item_and_records_why(tree, action, admitted, code):  # noqa: F811
    item = admitted[code] if code else None
    with pytest.raises(ValidationError) as exc:
        services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=item)
    reason = exc.value.message_dict["item"][0]
    assert "准入清单" in reason
    refusal = AdmissionRefusal.objects.get()
    assert refusal.reason == reason and refusal.subject == "逐栋清理楼道堆物"
    action.refresh_from_db()
    assert action.task_id is None and not Task.objects.exists()


def test_it_refuses_a_deadline_on_a_rest_day_and_saves_nothing(tree, action, admitted):  # noqa: F811
    FollowUp.objects.filter(pk=action.pk).update(deadline=date(2026, 3, 7))  # a Saturday
    with pytest.raises(ValidationError) as exc:
        services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=admitted["C02"])
    assert "deadline" in exc.value.message_dict and not Task.objects.exists()


def test_a_follow_up_becomes_one_task_or_one_case_only(tree, action, admitted):  # noqa: F811
    services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=admitted["C02"])
    with pytest.raises(ValidationError):
        services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=admitted["C02"])
    with pytest.raises(ValidationError):
        services.follow_up_to_case(
            actor=tree.users["community"],
            follow_up=action,
            category=Category.objects.get(code="01001"),
            grid=tree.grids[0],
        )
    assert Task.objects.count() == 1 and not Case.objects.exists()


def test_only_the_councils_desk_carries_out_its_actions(tree, action, admitted):  # noqa: F811
    for who in ("worker", "community_b", "stranger"):  # member of the area, another community, nobody
        with pytest.raises(PermissionDenied):
            services.follow_up_to_task(actor=tree.users[who], follow_up=action, item=admitted["C02"])
    assert not Task.objects.exists()


# -- follow-up actions as cases ------------------------------------------------------------------------------


def test_it_reports_a_follow_up_as_a_case_of_a_grid_concerned(tree, action):
    category = Category.objects.get(code="01001")
    with pytest.raises(ValidationError) as exc:
        services.follow_up_to_case(
            actor=tree.users["community"], follow_up=action, category=None, grid=tree.grids[4]
        )
    assert set(exc.value.message_dict) == {"category", "grid"} and not Case.objects.exists()
    case = services.follow_up_to_case(
        actor=tree.users["community"], follow_up=action, category=category, grid=tree.grids[1]
    )
    action.refresh_from_db()
    assert action.case == case and case.area_code.startswith(tree.grids[1].code)
    assert case.title == "逐栋清理楼道堆物"


# -- pages: the council's page shows the task and its progress; the task's and the case's show the council ---


def test_the_meeting_page_offers_the_choice_and_shows_the_refusal_with_its_reason(tree, action):
    meeting_url = f"/community/meetings/{action.decision.meeting_id}/"
    page = login(tree.users["community"]).get(meeting_url).content.decode()
    assert "燃气安全隐患巡查" in page and f'action="/community/follow-ups/{action.pk}/raise/"' in page
    assert "follow-ups/" not in login(tree.users["worker"]).get(meeting_url).content.decode()
    refused = login(tree.users["community"]).post(
        f"/community/follow-ups/{action.pk}/raise/", {"as": "task", "item": "", "grids": [tree.grids[0].code]}
    )
    assert refused.status_code == 400
    assert "该事项不在网格事项准入清单内" in refused.content.decode()


def test_the_pages_link_the_council_and_the_task_both_ways(tree, action, admitted):  # noqa: F811
    client = login(tree.users["community"])
    answer = client.post(
        f"/community/follow-ups/{action.pk}/raise/",
        {"as": "task", "item": admitted["C02"].pk, "grids": [tree.grids[0].code]},
    )
    assert answer.status_code == 302
    action.refresh_from_db()
    meeting = client.get(f"/community/meetings/{action.decision.meeting_id}/").content.decode()
    assert f"/tasks/{action.task_id}/" in meeting and "data-progress" in meeting
    task_page = client.get(f"/tasks/{action.task_id}/").content.decode()
    assert "清理各楼道堆物" in task_page and f"/community/meetings/{action.decision.meeting_id}/" in task_page


def test_the_case_page_shows_the_council_decision(tree, action):
    case = services.follow_up_to_case(
        actor=tree.users["community"],
        follow_up=action,
        category=Category.objects.get(code="01001"),
        grid=tree.grids[0],
    )
    page = login(tree.users["community"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-council"' in page and "清理各楼道堆物" in page
    meeting = login(tree.users["community"]).get(f"/community/meetings/{action.decision.meeting_id}/")
    assert case.number in meeting.content.decode()


def test_a_stranger_cannot_raise_an_action(tree, action, admitted):  # noqa: F811
    answer = login(tree.users["community_b"]).post(
        f"/community/follow-ups/{action.pk}/raise/", {"as": "task", "item": admitted["C02"].pk}
    )
    assert answer.status_code == 404 and not Task.objects.exists()


# -- agenda items raised from tasks --------------------------------------------------------------------------


def _task(tree, admitted, actor="community"):  # noqa: F811
    from tests.tasks.conftest import send

    return send(
        tree, admitted["C02"], actor=tree.users[actor], selection={"subtree": tree.communities[0].code}
    )


def test_an_agenda_item_is_raised_from_a_task_in_view_only(tree, admitted):  # noqa: F811
    task = _task(tree, admitted)
    council = services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="议事会", members=FOUR
    )
    held = dict(
        actor=tree.users["community"],
        council=council,
        held_at=datetime(2026, 3, 2, 8, tzinfo=SH),
        place="会议室",
        present=list(council.members.all()[:3]),
    )
    meeting = services.meeting_hold(**held, agenda=[{"task": str(task.pk)}])
    item = meeting.agenda.get()
    assert item.task == task and item.text == task.title
    page = login(tree.users["community"]).get(f"/tasks/{task.pk}/").content.decode()
    assert f"/community/meetings/{meeting.pk}/" in page
    other = _task_elsewhere(tree, admitted)
    with pytest.raises(ValidationError) as exc:
        services.meeting_hold(**held, agenda=[{"task": str(other.pk)}, {"task": "x"}])
    assert len(exc.value.message_dict["agenda"]) == 2


def _task_elsewhere(tree, admitted):  # noqa: F811
    from tests.tasks.conftest import send

    return send(tree, admitted["C02"], selection={"subtree": tree.communities[2].code})


# -- activities created from tasks ---------------------------------------------------------------------------


@pytest.fixture
def patrol_rule(tree):
    return services.point_rule_set(
        actor=tree.users["community"],
        community=tree.communities[0],
        activity_type="patrol",
        points_per_attendance=5,
        points_per_hour=10,
    )


def _activity_data(tree):
    start = datetime(2026, 3, 3, 9, tzinfo=SH)
    return dict(
        community=tree.communities[0],
        activity_type="patrol",
        place="3栋楼下",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
    )


def test_a_task_creates_a_volunteer_activity_whose_attendance_earns_points(
    tree,
    admitted,  # noqa: F811
    patrol_rule,
    monday,  # noqa: F811
):
    task = _task(tree, admitted)
    activity = services.activity_from_task(actor=tree.users["community"], task=task, **_activity_data(tree))
    assert activity.task == task and activity.title == task.title
    person = Person.objects.create(area=tree.grids[0], name="王志愿")
    volunteer = services.volunteer_register(actor=tree.users["worker"], person=person)
    p = services.activity_sign_up(volunteer=volunteer, activity=activity)
    services.participation_check_in(participation=p, at=activity.starts_at)
    services.activity_complete(actor=tree.users["community"], activity=activity, at=activity.ends_at)
    volunteer.refresh_from_db()
    assert volunteer.balance == 5 + 20


def test_only_a_desk_of_the_tasks_communities_creates_one(tree, admitted, patrol_rule):  # noqa: F811
    task = _task(tree, admitted)
    with pytest.raises(PermissionDenied):  # a member of the grid: not the desk
        services.activity_from_task(actor=tree.users["worker"], task=task, **_activity_data(tree))
    with pytest.raises(PermissionDenied):  # a stranger does not see the task
        services.activity_from_task(actor=tree.users["community_b"], task=task, **_activity_data(tree))
    elsewhere = _task_elsewhere(tree, admitted)
    with pytest.raises(ValidationError) as exc:
        services.activity_from_task(actor=tree.users["centre"], task=elsewhere, **_activity_data(tree))
    assert "task" in exc.value.message_dict and not Activity.objects.exists()


def test_the_task_page_offers_the_activity_to_the_desk_and_lists_it(tree, admitted, patrol_rule):  # noqa: F811
    task = _task(tree, admitted)
    desk = login(tree.users["community"])
    assert 'id="activity-from-task"' in desk.get(f"/tasks/{task.pk}/").content.decode()
    worker_page = login(tree.users["leader"]).get(f"/tasks/{task.pk}/")
    assert 'id="activity-from-task"' not in worker_page.content.decode()
    form = {
        "community": tree.communities[0].code,
        "activity_type": "patrol",
        "title": "燃气安全宣传",
        "place": "小区广场",
        "starts_at": "2026-03-03T09:00",
        "ends_at": "2026-03-03T08:00",
        "capacity": "10",
    }
    refused = desk.post(f"/community/tasks/{task.pk}/activity/", form)
    assert refused.status_code == 400 and "ends_at-errors" in refused.content.decode()
    made = desk.post(f"/community/tasks/{task.pk}/activity/", {**form, "ends_at": "2026-03-03T11:00"})
    activity = Activity.objects.get()
    assert made.status_code == 302 and activity.task == task
    assert f"/community/activities/{activity.pk}/" in desk.get(f"/tasks/{task.pk}/").content.decode()
    assert f"/tasks/{task.pk}/" in desk.get(f"/community/activities/{activity.pk}/").content.decode()
    stranger = login(tree.users["community_b"]).post(f"/community/tasks/{task.pk}/activity/", form)
    assert stranger.status_code == 404


# -- notices to volunteers and liaisons ----------------------------------------------------------------------


@pytest.fixture
def people(tree):
    def volunteer(grid, name, liaison=False):
        person = Person.objects.create(area=tree.grids[grid], name=name)
        return services.volunteer_register(actor=tree.users["community"], person=person, is_liaison=liaison)

    return {
        "in": volunteer(0, "张一"),
        "liaison": volunteer(0, "李联络", liaison=True),
        "next": volunteer(1, "王二"),
    }


def test_a_notice_reaches_the_volunteers_of_its_grid_on_their_page_with_receipts(tree, people):
    notice = notice_publish(
        sender=tree.users["community"],
        audience="volunteers",
        area=tree.grids[0],
        title="周六清扫",
        body="8点集合",
    )
    assert not Notification.objects.filter(key=f"notice:{notice.pk}").exists()  # no login, no inbox
    pages = {k: Client().get(f"/public/volunteer/{services.volunteer_token(v)}/") for k, v in people.items()}
    assert "周六清扫" in pages["in"].content.decode() and "周六清扫" in pages["liaison"].content.decode()
    assert "周六清扫" not in pages["next"].content.decode()
    token = services.volunteer_token(people["in"])
    Client().post(f"/public/volunteer/{token}/", {"do": "read", "notice": notice.pk})
    Client().post(f"/public/volunteer/{token}/", {"do": "read", "notice": notice.pk})  # twice: one receipt
    assert VolunteerNoticeReceipt.objects.filter(volunteer=people["in"]).count() == 1
    detail = login(tree.users["community"]).get(f"/notices/{notice.pk}/").content.decode()
    assert "张一" in detail and "李联络" in detail and "王二" not in detail
    assert "data-receipts" in detail and "1" in detail


def test_a_notice_to_liaisons_reaches_liaisons_only_and_others_cannot_read_it(tree, people):
    notice = notice_publish(
        sender=tree.users["community"],
        audience="liaisons",
        area=tree.communities[0],
        title="联络员例会",
        body="周五下午",
    )
    assert (
        "联络员例会"
        in Client().get(f"/public/volunteer/{services.volunteer_token(people['liaison'])}/").content.decode()
    )
    assert (
        "联络员例会"
        not in Client().get(f"/public/volunteer/{services.volunteer_token(people['in'])}/").content.decode()
    )
    with pytest.raises(ValidationError):
        services.volunteer_notice_read(volunteer=people["in"], notice=notice)
    # scope of the receipts page: the sender's desk sees it, a grid worker and a stranger do not
    assert login(tree.users["worker"]).get(f"/notices/{notice.pk}/").status_code == 404
    assert login(tree.users["community_b"]).get(f"/notices/{notice.pk}/").status_code == 404


# -- the API -------------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_carries_out_an_action_and_refuses_by_field(tree, action, admitted):  # noqa: F811
    url = f"/api/v1/community/meetings/{action.decision.meeting_id}/follow-ups/"
    refused = api(tree.users["community"]).post(
        url, {"follow_up": action.pk, "carry_out_as": "task"}, format="json"
    )
    assert refused.status_code == 400 and "准入清单" in str(refused.json()["fields"]["item"])
    assert (
        api(tree.users["community_b"]).post(url, {"follow_up": action.pk, "carry_out_as": "task"}).status_code
        == 404
    )
    made = api(tree.users["community"]).post(
        url, {"follow_up": action.pk, "carry_out_as": "task", "item": admitted["C02"].pk}, format="json"
    )
    assert made.status_code == 201 and made.json()["task"] == Task.objects.get().pk


def test_the_api_creates_an_activity_for_a_task(tree, admitted, patrol_rule):  # noqa: F811
    task = _task(tree, admitted)
    body = {
        "task": task.pk,
        "community": tree.communities[0].code,
        "activity_type": "patrol",
        "title": "宣传",
        "place": "广场",
        "starts_at": "2026-03-03T09:00:00+08:00",
        "ends_at": "2026-03-03T11:00:00+08:00",
        "capacity": 5,
    }
    made = api(tree.users["community"]).post("/api/v1/community/activities/", body, format="json")
    assert made.status_code == 201 and made.json()["task"] == task.pk
    hidden = api(tree.users["community"]).post(
        "/api/v1/community/activities/", {**body, "task": _task_elsewhere(tree, admitted).pk}, format="json"
    )
    assert hidden.status_code == 400 and "task" in hidden.json()["fields"]


def test_the_meeting_page_costs_the_same_queries_for_more_linked_actions(tree, action, admitted):  # noqa: F811
    client = login(tree.users["community"])
    url = f"/community/meetings/{action.decision.meeting_id}/"
    services.follow_up_to_task(actor=tree.users["community"], follow_up=action, item=admitted["C02"])
    FollowUp.objects.create(decision=action.decision, what="二", who="物业", deadline=FRIDAY)
    client.get(url)  # warm the caches (admission list, categories)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for what in ("三", "四", "五"):
        more = FollowUp.objects.create(decision=action.decision, what=what, who="物业", deadline=FRIDAY)
        services.follow_up_to_task(actor=tree.users["community"], follow_up=more, item=admitted["C02"])
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)

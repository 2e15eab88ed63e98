from datetime import timedelta

import pytest
from django.test import Client

from community import services
from community.models import Activity, Redemption, TeamMember

from .conftest import SAT_9, earn

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_the_desk_with_its_forms_to_community_staff(tree, volunteer, rule):
    page = login(tree.users["community"]).get("/community/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "李桂英" in html and 'name="a-title"' in html
    # a grid worker sees the volunteers of their grid but no desk forms
    worker = login(tree.users["worker"]).get("/community/").content.decode()
    assert "李桂英" in worker and 'name="a-title"' not in worker
    # a stranger: nothing
    stranger = login(tree.users["stranger"]).get("/community/").content.decode()
    assert "李桂英" not in stranger


def test_it_refuses_an_activity_with_messages_by_the_fields(tree, rule):
    page = login(tree.users["community"]).post(
        "/community/",
        {
            "form": "activity",
            "community": tree.communities[0].code,
            "a-activity_type": "cleanup",
            "a-title": "扫除",
            "a-place": "广场",
            "a-starts_at": "2026-11-07T09:00",
            "a-ends_at": "2026-11-07T08:00",
            "a-capacity": "5",
        },
    )
    assert page.status_code == 200 and not Activity.objects.exists()
    assert 'id="id_a-activity_type-errors"' in page.content.decode()
    assert 'id="id_a-ends_at-errors"' in page.content.decode()


def test_it_creates_an_activity_from_the_desk(tree, rule):
    page = login(tree.users["community"]).post(
        "/community/",
        {
            "form": "activity",
            "community": tree.communities[0].code,
            "a-activity_type": "patrol",
            "a-title": "夜间巡逻",
            "a-place": "北门",
            "a-starts_at": "2026-11-07T19:00",
            "a-ends_at": "2026-11-07T21:00",
            "a-capacity": "5",
        },
    )
    activity = Activity.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/community/activities/{activity.pk}/"


def test_it_hides_an_activity_of_another_community(tree, activity):
    assert login(tree.users["community_b"]).get(f"/community/activities/{activity.pk}/").status_code == 404
    assert login(tree.users["stranger"]).get(f"/community/activities/{activity.pk}/").status_code == 404
    assert login(tree.users["worker"]).get(f"/community/activities/{activity.pk}/").status_code == 200
    assert login(tree.users["community"]).get(f"/community/activities/{10**30}/").status_code == 404


def test_it_redeems_once_when_the_form_is_submitted_twice(tree, volunteer, reward):
    earn(tree, volunteer, 50)
    desk = login(tree.users["community"])
    form = {"form": "redeem", "d-reward": reward.pk, "d-quantity": "1", "d-request_token": "form-token-1"}
    assert desk.post(f"/community/volunteers/{volunteer.pk}/", form).status_code == 302
    assert desk.post(f"/community/volunteers/{volunteer.pk}/", form).status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.balance == 40 and Redemption.objects.count() == 1


def test_it_shows_a_refused_redemption_by_its_field(tree, volunteer, reward):
    earn(tree, volunteer, 5)
    page = login(tree.users["community"]).post(
        f"/community/volunteers/{volunteer.pk}/",
        {"form": "redeem", "d-reward": reward.pk, "d-quantity": "1", "d-request_token": "t"},
    )
    assert page.status_code == 200 and 'id="id_d-quantity-errors"' in page.content.decode()


def test_it_lets_only_the_desk_post_on_a_volunteer(tree, volunteer, reward):
    earn(tree, volunteer, 50)
    form = {"form": "redeem", "d-reward": reward.pk, "d-quantity": "1", "d-request_token": "t"}
    assert login(tree.users["worker"]).post(f"/community/volunteers/{volunteer.pk}/", form).status_code == 403
    assert login(tree.users["community_b"]).get(f"/community/volunteers/{volunteer.pk}/").status_code == 404


def test_it_registers_a_volunteer_from_the_form(tree, person):
    desk = login(tree.users["worker"])
    bad = desk.post("/community/volunteers/new/", {"person": "999999"})
    assert bad.status_code == 200 and 'id="id_person-errors"' in bad.content.decode()
    ok = desk.post("/community/volunteers/new/", {"person": person.pk, "is_liaison": "on"})
    assert ok.status_code == 302


def test_it_shows_the_team_page_to_the_grid_and_adds_members(tree):
    worker = login(tree.users["worker"])
    url = f"/community/grids/{tree.grids[0].code}/team/"
    added = worker.post(
        url, {"role": "stairwell_leader", "name": "钱伟", "work_phone": "0731-2222", "building": "3栋"}
    )
    assert added.status_code == 302 and TeamMember.objects.filter(name="钱伟").exists()
    assert "钱伟" in worker.get(url).content.decode()
    assert login(tree.users["worker2"]).get(url).status_code == 404
    assert login(tree.users["stranger"]).get(url).status_code == 404
    # the community sees it too, and a grid worker cannot reach the community through the breadcrumb scope
    assert login(tree.users["community"]).get(url).status_code == 200
    assert (
        login(tree.users["worker"]).get(f"/community/grids/{tree.communities[0].code}/team/").status_code
        == 404
    )


def test_it_shows_work_phones_only_on_the_public_card(tree, person):
    services.team_member_add(
        actor=tree.users["worker"],
        area=tree.grids[0],
        role="community_police",
        name="王警官",
        work_phone="0731-8888110",
        person=person,
    )
    page = Client().get(f"/public/grids/{tree.grids[0].code}/team/")
    html = page.content.decode()
    assert page.status_code == 200 and "0731-8888110" in html and "王警官" in html
    assert "138****1234" not in html and "李桂英" not in html
    assert Client().get("/public/grids/999/team/").status_code == 404
    assert Client().get(f"/public/grids/{tree.communities[0].code}/team/").status_code == 404


def test_it_walks_the_volunteer_phone_page(tree, volunteer, activity, frozen):
    url = f"/public/volunteer/{services.volunteer_token(volunteer)}/"
    phone = Client()
    assert "平安巡逻" in phone.get(url).content.decode()
    phone.post(url, {"activity": activity.pk, "do": "sign_up"})
    frozen.move_to(SAT_9 + timedelta(minutes=10))
    phone.post(url, {"activity": activity.pk, "do": "check_in"})
    assert activity.participations.get().checked_in_at is not None
    frozen.move_to(SAT_9 + timedelta(hours=2))
    services.activity_complete(actor=tree.users["community"], activity=activity)
    page = phone.get(url).content.decode()
    assert 'id="balance">20<' in page  # 5 + 10 × 1.5 h (09:10–11:00, by half hours)


def test_it_refuses_a_forged_link_and_another_communitys_activity(tree, volunteer, frozen):
    assert Client().get("/public/volunteer/1:forged/").status_code == 404
    services.point_rule_set(
        actor=tree.users["community_b"],
        community=tree.communities[2],
        activity_type="patrol",
        points_per_hour=1,
    )
    theirs = services.activity_create(
        actor=tree.users["community_b"],
        community=tree.communities[2],
        activity_type="patrol",
        title="他区",
        place="x",
        starts_at=SAT_9,
        ends_at=SAT_9 + timedelta(hours=1),
    )
    url = f"/public/volunteer/{services.volunteer_token(volunteer)}/"
    assert Client().post(url, {"activity": theirs.pk, "do": "sign_up"}).status_code == 404
    assert Client().post(url, {"activity": "x", "do": "sign_up"}).status_code == 404

import datetime as dt

import pytest

from duty.models import Roster, Shift, Swap, SwapStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_the_month_shows_the_roster_as_a_calendar_and_a_list(client, tree, published, future_day):
    client.force_login(tree.users["worker"])
    page = client.get(f"/duty/units/{tree.communities[0].code}/?month={future_day:%Y-%m}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="duty-calendar"' in html and 'class="duty-list"' in html
    assert html.count(f"/duty/shifts/{Shift.objects.get(person=tree.users['worker']).pk}/") == 2
    assert "Draw up a roster" not in html  # a grid worker does not plan


def test_a_unit_of_another_street_is_not_found(client, tree, published):
    client.force_login(tree.users["community_b"])
    assert client.get(f"/duty/units/{tree.communities[0].code}/").status_code == 404
    shift = Shift.objects.first()
    assert client.get(f"/duty/shifts/{shift.pk}/").status_code == 404
    client.force_login(tree.users["stranger"])
    assert client.get("/duty/").status_code == 200
    assert client.get(f"/duty/units/{tree.communities[0].code}/").status_code == 404


def test_a_swap_refused_on_the_page_says_why_next_to_the_field_in_chinese(client, tree, published, chinese):
    client.force_login(tree.users["worker"])
    shift = Shift.objects.get(person=tree.users["worker"])
    page = client.post(
        f"/duty/shifts/{shift.pk}/swap/", {"substitute": tree.users["worker"].pk, "reason": ""}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="reason-errors"' in html and "该字段是必填项" in html
    assert not Swap.objects.exists()


def test_a_swap_asked_and_approved_on_the_pages(client, tree, published):
    u = tree.users
    shift = Shift.objects.get(person=u["worker"])
    client.force_login(u["worker"])
    assert (
        client.post(
            f"/duty/shifts/{shift.pk}/swap/", {"substitute": u["leader"].pk, "reason": "家中有事"}
        ).status_code
        == 302
    )
    swap = Swap.objects.get()
    client.force_login(u["community"])
    assert "家中有事" in client.get("/duty/").content.decode()
    answer = client.post(f"/duty/swaps/{swap.pk}/decide/", {"decision": "refuse", f"s{swap.pk}-reason": ""})
    assert answer.status_code == 400 and 'id="refuse-errors"' in answer.content.decode()
    client.post(f"/duty/swaps/{swap.pk}/decide/", {"decision": "approve"})
    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    shift.refresh_from_db()
    assert shift.person == u["leader"]


def test_a_roster_drawn_up_on_the_page_with_a_person_twice_is_refused_whole(client, tree, unit, chinese):
    u = tree.users
    client.force_login(u["community"])
    start = dt.date.today() + dt.timedelta(days=40)
    form = {
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=6)).isoformat(),
        "leader": u["community"].pk,
        "leaders": [u["worker"].pk],
        "officers": [u["worker"].pk],
    }
    page = client.post(f"/duty/units/{tree.communities[0].code}/new/", form)
    assert page.status_code == 200 and "时间重叠" in page.content.decode()
    assert not Roster.objects.exists()
    form["leaders"] = [u["community"].pk]
    page = client.post(f"/duty/units/{tree.communities[0].code}/new/", form)
    assert page.status_code == 302
    roster = Roster.objects.get()
    assert roster.status == "draft"
    client.post(f"/duty/rosters/{roster.pk}/publish/")
    roster.refresh_from_db()
    assert roster.status == "published"


def test_the_home_page_and_the_command_map_show_who_is_on_duty(client, tree, published):
    import time_machine

    shift = Shift.objects.get(person=tree.users["worker"])
    with time_machine.travel(shift.starts_at + dt.timedelta(hours=2), tick=False):
        client.force_login(tree.users["community"])
        home = client.get("/").content.decode()
        assert "data-duty-now" in home and f"/duty/shifts/{shift.pk}/" in home
        board = client.get("/command/").content.decode()
        assert "data-duty-now" in board and f"/duty/shifts/{shift.pk}/" in board

"""A volunteer walked in Debian's Chromium against a live server, from check-in to redemption: the volunteer
signs up and checks in on site on their phone (360 px, their own link, no account), the community desk closes
the activity and awards the points, then redeems a reward at the desk (1366 px), and the volunteer sees the
balance and the history on the phone. The grid's public contact card is shot at both sizes.

The server runs in this process, so the clock is moved with time_machine (to tomorrow, so the browser keeps
the session cookie): check-in during the activity, completion after its end."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from community import services
from community.models import Redemption
from residents.models import Person
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"community-{name}-{size}.png"), full_page=True)


def _context(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15000)
    return context


def test_a_volunteer_from_check_in_to_redemption(transactional_db, tree, live_server, browser):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    nine = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))
    desk = tree.users["community"]
    person = Person.objects.create(area=tree.grids[0], name="李桂英", phone_mask="138****1234")
    volunteer = services.volunteer_register(actor=tree.users["worker"], person=person, skills="巡逻")
    services.point_rule_set(
        actor=desk,
        community=tree.communities[0],
        activity_type="patrol",
        points_per_attendance=5,
        points_per_hour=10,
    )
    services.points_adjust(actor=desk, volunteer=volunteer, points=40, reason="上月补录")
    reward = services.reward_add(
        actor=desk, community=tree.communities[0], name="大米 5kg", points_cost=50, stock=3
    )
    activity = services.activity_create(
        actor=desk,
        community=tree.communities[0],
        activity_type="patrol",
        title="平安巡逻",
        place="3栋楼下",
        starts_at=nine,
        ends_at=nine + dt.timedelta(hours=2),
    )
    services.team_member_add(
        actor=tree.users["worker"],
        area=tree.grids[0],
        role="community_police",
        name="王警官",
        work_phone="0731-8888110",
        duty="警格民警",
    )
    services.team_member_add(
        actor=tree.users["worker"],
        area=tree.grids[0],
        role="stairwell_leader",
        name="钱伟",
        work_phone="0731-2222333",
        building="3栋",
    )
    base = live_server.url
    with time_machine.travel(nine + dt.timedelta(minutes=5)) as clock:
        # the volunteer, on the phone, with their own link
        phone = _context(browser, PHONE).new_page()
        phone.goto(f"{base}/public/volunteer/{services.volunteer_token(volunteer)}/")
        assert phone.locator("#balance").inner_text() == "40"
        row = phone.locator(f"[data-activity='{activity.pk}']")
        row.get_by_role("button", name="报名").click()
        phone.wait_for_load_state()
        row.get_by_role("button", name="现场签到").click()
        phone.wait_for_load_state()
        assert "已签到" in row.inner_text()
        _shot(phone, "volunteer-checked-in", "360")

        # the community desk, after the activity's end
        clock.move_to(nine + dt.timedelta(hours=3))
        laptop = _context(browser, LAPTOP).new_page()
        laptop.goto(f"{base}/accounts/login/?next=/community/activities/{activity.pk}/")
        laptop.fill("#id_username", "community")
        laptop.fill("#id_password", "pw-community")
        laptop.click("main form button[type=submit]")
        laptop.wait_for_load_state()
        laptop.click("#complete")
        laptop.wait_for_load_state()
        assert laptop.locator("#activity-status").inner_text() == "已结束，积分已发放"
        points = laptop.locator("[data-participation] td").nth(3).inner_text()
        assert points == "20"  # 5 + 10 × 1.5 h (checked in 09:05, ended 11:00, by half hours)
        _shot(laptop, "activity-completed", "1366")

        laptop.goto(f"{base}/community/volunteers/{volunteer.pk}/")
        assert laptop.locator("#balance").inner_text() == str(40 + int(points))
        laptop.select_option("#id_d-reward", str(reward.pk))
        laptop.click("#redeem-form button[type=submit]")
        laptop.wait_for_load_state()
        assert laptop.locator("#balance").inner_text() == str(40 + int(points) - 50)
        assert Redemption.objects.count() == 1
        _shot(laptop, "volunteer-desk", "1366")

        # back on the phone: the balance and the history
        phone.reload()
        assert phone.locator("#balance").inner_text() == str(40 + int(points) - 50)
        history = phone.locator("table.history").inner_text()
        assert "大米 5kg" in history and "平安巡逻" in history
        _shot(phone, "volunteer-history", "360")

        # the desk page and the public contact card at both sizes
        small = _context(browser, PHONE).new_page()
        small.goto(f"{base}/accounts/login/?next=/community/")
        small.fill("#id_username", "community")
        small.fill("#id_password", "pw-community")
        small.click("main form button[type=submit]")
        small.wait_for_load_state()
        _shot(small, "desk", "360")
        laptop.goto(f"{base}/community/")
        _shot(laptop, "desk", "1366")
        small.goto(f"{base}/community/volunteers/{volunteer.pk}/")
        _shot(small, "volunteer-desk", "360")
        for page, size in ((phone, "360"), (laptop, "1366")):
            page.goto(f"{base}/public/grids/{tree.grids[0].code}/team/")
            assert "0731-8888110" in page.content() and "138****1234" not in page.content()
            _shot(page, "contact-card", size)
        laptop.goto(f"{base}/community/grids/{tree.grids[0].code}/team/")
        _shot(laptop, "team", "1366")

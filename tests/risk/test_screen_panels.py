"""Issue 21 §1: workers on patrol and who is on duty on the big screen; the panels on ordinary pages, each
cut to the viewer's areas; the finished days computed ahead by the sweep."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from command.models import PatrolLast
from risk import screen, screen_sweep
from tests.duty.conftest import SH, at, future_day, published, unit  # noqa: F401  (fixtures)
from tests.factories import make_user

from .conftest import NOW, case_at

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _walking(user, grid, minutes_ago, now=NOW):
    return PatrolLast.objects.create(
        user=user,
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
        recorded_at=now - dt.timedelta(minutes=minutes_ago),
        area_code=grid.code,
    )


def test_it_shows_the_workers_on_patrol_now_with_masked_names(tree):
    u = tree.users
    u["worker"].display_name = "张三丰"
    u["worker"].save()
    _walking(u["worker"], tree.grids[0], 3)
    _walking(u["worker2"], tree.grids[1], 40)  # older than the active window: not on patrol
    far = make_user("far", "grid_worker", tree.grids[7])  # street 2's worker
    _walking(far, tree.grids[7], 1)
    street = screen.patrol(u["street"], ["430104001"], NOW)
    centre = screen.patrol(u["centre"], ["430104"], NOW)
    community_b = screen.patrol(u["community_b"], [tree.communities[2].code], NOW)
    assert street["count"] == 1 and street["points"][0][2] == "张**" and street["points"][0][3] == 3
    assert centre["count"] == 2
    assert community_b["count"] == 0 and community_b["points"] == []
    assert screen.masked_name("王") == "王*" and screen.masked_name("") == "*"


def test_it_puts_the_patrol_on_the_screens_map(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        _walking(tree.users["worker"], tree.grids[0], 2)
        data = _client(tree.users["centre"]).get("/risk/screen/map.json").json()["data"]
    assert data["patrol"]["count"] == 1 and len(data["patrol"]["points"]) == 1


def test_it_lists_who_is_on_duty_now_in_the_roots_only(tree, published, future_day):  # noqa: F811
    night = at(future_day, 22)
    community = screen.duty(tree.users["community"], [tree.communities[0].code], night)
    other = screen.duty(tree.users["community_b"], [tree.communities[2].code], night)
    assert [p["name"] for u in community["units"] for p in u["people"]] == ["worker"]
    assert other == {"units": []}


def test_it_serves_page_panels_to_owner_and_member_cut_to_their_areas(tree):
    with time_machine.travel(NOW, tick=False):
        case_at(tree, "01001", grid=0)  # community 0
        case_at(tree, "01002", grid=5)  # community 2 (street 2)
        centre = _client(tree.users["centre"]).get("/risk/panels/counts/")
        own = _client(tree.users["community"]).get("/risk/panels/categories/")
        other = _client(tree.users["community_b"]).get("/risk/panels/categories/")
    assert centre.status_code == 200 and b"rp-big" in centre.content
    assert own.status_code == 200 and other.status_code == 200
    # The categories of each community's own cases only (01001 and 01002 are named differently).
    own_text, other_text = own.content.decode(), other.content.decode()
    assert own_text.count("<li>") == 1 and other_text.count("<li>") == 1
    assert own_text != other_text


def test_it_refuses_page_panels_to_strangers_and_workers(tree):
    for who in ("stranger", "worker"):
        assert _client(tree.users[who]).get("/risk/panels/counts/").status_code == 404
    assert _client(tree.users["centre"]).get("/risk/panels/map/").status_code == 404
    assert _client(tree.users["centre"]).get("/risk/panels/nope/").status_code == 404


def test_it_says_so_in_its_place_when_a_panel_fails(tree, monkeypatch):
    def broken(user, roots, now):
        raise RuntimeError("database gone")

    monkeypatch.setitem(screen.PAGE_PANELS, "tasks", broken)
    cache.clear()
    answer = _client(tree.users["centre"]).get("/risk/panels/tasks/")
    assert answer.status_code == 200 and b"rp-failed" in answer.content


def test_it_places_panels_on_the_home_and_command_pages(tree):
    home = _client(tree.users["community"]).get("/").content.decode()
    worker_home = _client(tree.users["worker"]).get("/").content.decode()
    command = _client(tree.users["street"]).get("/command/").content.decode()
    assert "/risk/panels/counts/" in home and "/risk/panels/" not in worker_home
    assert "/risk/panels/patrol/" in command


def test_it_computes_the_finished_days_ahead_in_the_sweep(fixture_district):
    tree = fixture_district
    user = tree.users["centre"]
    roots = screen.screen_roots(user)
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        screen_sweep.watched_add(["430104001"], NOW)
        assert screen_sweep.screen_daily(now=NOW) == 2  # the district and the watched street
        assert screen_sweep.screen_daily(now=NOW) == 0  # once a day
        with CaptureQueriesContext(connection) as warm:
            screen.counts(user, roots, NOW)
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            screen.counts(user, roots, NOW)
    # Warmed: only today's figures are read (the month's four steps and closings come from the cache).
    assert len(cold.captured_queries) - len(warm.captured_queries) == 5


def test_its_patrol_and_duty_queries_do_not_grow_with_workers(tree):
    roots = ["430104"]

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            screen.patrol(tree.users["centre"], roots, NOW)
            screen.duty(tree.users["centre"], roots, NOW)
        return len(ctx.captured_queries)

    _walking(tree.users["worker"], tree.grids[0], 1)
    queries()  # the viewer's reach is read once per user object
    before = queries()
    for i in range(6):
        _walking(make_user(f"w{i}", "grid_worker", tree.grids[i]), tree.grids[i], 2)
    assert queries() == before

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Category
from command.selectors.board import board_counts
from risk import screen, services

from .conftest import NOW, case_at

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_serves_every_panel_to_the_centre_and_a_street_scoped(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
        centre, street = _client(tree.users["centre"]), _client(tree.users["street"])
        for panel in screen.PANELS:
            answer = centre.get(f"/risk/screen/{panel}.json")
            assert answer.status_code == 200 and answer.json()["panel"] == panel
        counts = centre.get("/risk/screen/counts.json").json()["data"]
        street_counts = street.get("/risk/screen/counts.json").json()["data"]
        ranking = street.get("/risk/screen/ranking.json").json()["data"]
        trend = centre.get("/risk/screen/trend.json").json()["data"]["days"]
    # 4 cases reported in March in the district (1 in grid 5, street 2), none today (NOW − 1 day at least).
    assert counts["steps"]["reported_month"] == 4 and counts["steps"]["reported_today"] == 0
    assert street_counts["steps"]["reported_month"] == 3
    assert ranking["black"][0]["code"] == tree.grids[0].code
    assert all(r["code"].startswith(tree.streets[0].code) for r in ranking["black"])
    assert len(trend) == 30 and sum(d["reported"] for d in trend) == 4


def test_it_is_for_the_centre_and_streets_only(fixture_district):
    tree = fixture_district
    assert _client(tree.users["centre"]).get("/risk/screen/").status_code == 200
    assert _client(tree.users["street"]).get("/risk/screen/").status_code == 200
    for who in ("community", "worker", "stranger"):
        assert _client(tree.users[who]).get("/risk/screen/").status_code == 404
        assert _client(tree.users[who]).get("/risk/screen/counts.json").status_code == 404
    assert _client(tree.users["centre"]).get("/risk/screen/nope.json").status_code == 404


def test_its_queries_do_not_grow_with_cases_or_grids(fixture_district):
    tree = fixture_district
    user = tree.users["centre"]
    roots = screen.screen_roots(user)

    def queries():
        cache.clear()  # the command map's live counts are cached for 15 s: count the uncached queries
        with CaptureQueriesContext(connection) as ctx:
            for fn in screen.PANELS.values():
                fn(user, roots, NOW)
        return len(ctx.captured_queries)

    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
        before = queries()
        for grid in range(8):
            case_at(tree, "01002", grid=grid, days_ago=2)
        services.risk_recompute(district=tree.district)
        assert queries() == before


def test_it_counts_each_step_by_its_own_time_whatever_the_report_date(fixture_district):
    tree = fixture_district
    user = tree.users["centre"]
    # Reported 200 days ago (far before any look-back), filed and dispatched today, handled 3 days ago.
    old = case_at(tree, "01002", grid=5, days_ago=200)
    Case.objects.filter(pk=old.pk).update(
        filed_at=NOW - dt.timedelta(minutes=5),
        dispatched_at=NOW - dt.timedelta(minutes=4),
        handled_at=NOW - dt.timedelta(days=3),
    )
    with time_machine.travel(NOW, tick=False):
        steps = screen.counts(user, screen.screen_roots(user), NOW)["steps"]
        street = screen.counts(tree.users["street"], screen.screen_roots(tree.users["street"]), NOW)["steps"]
    assert steps["filed_today"] == steps["dispatched_today"] == 1 and steps["handled_today"] == 0
    assert steps["handled_month"] == 1 and steps["filed_month"] == 1 and steps["reported_today"] == 0
    # Grid 5 lies in another street: this street's screen does not count the case's steps.
    assert not tree.grids[5].code.startswith(tree.streets[0].code)
    assert street["filed_today"] == street["filed_month"] == 0


def test_it_shares_each_panel_between_screens_of_the_same_areas_for_15_seconds(fixture_district):
    tree = fixture_district
    centre, street = tree.users["centre"], tree.users["street"]
    roots, street_roots = screen.screen_roots(centre), screen.screen_roots(street)
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
        cache.clear()
        for panel in screen.PANELS:
            at, first = screen.panel_data(panel, centre, roots, NOW)
            with CaptureQueriesContext(connection) as ctx:
                again_at, again = screen.panel_data(panel, centre, roots, NOW + dt.timedelta(seconds=1))
            assert len(ctx.captured_queries) == 0, panel  # another screen in the same slot: no query
            assert (again_at, again) == (at, first)
        with CaptureQueriesContext(connection) as ctx:
            screen.panel_data("counts", street, street_roots, NOW)
        assert len(ctx.captured_queries) > 0  # other areas: figures of their own
        later = NOW + dt.timedelta(seconds=screen.PANEL_CACHE_SECONDS)
        with CaptureQueriesContext(connection) as ctx:
            at, _ = screen.panel_data("counts", centre, roots, later)
        assert len(ctx.captured_queries) > 0 and at == later  # the next slot computes afresh


def test_its_endpoint_says_when_the_shared_figures_were_computed(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        first = _client(tree.users["centre"]).get("/risk/screen/categories.json").json()
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        case_at(tree, "01002", grid=0, days_ago=0)  # a new case within the slot: shown at the next one
        second = _client(tree.users["centre"]).get("/risk/screen/categories.json").json()
    assert second["updated_at"] == first["updated_at"] and second["data"] == first["data"]


def test_its_month_figures_add_today_to_the_finished_days_computed_once(fixture_district):
    tree = fixture_district
    user = tree.users["centre"]
    roots = screen.screen_roots(user)
    with time_machine.travel(NOW, tick=False):
        before = {r["name"]: r["count"] for r in screen.categories(user, roots, NOW)["top"]}
        now_counts = screen.counts(user, roots, NOW)["now"]
        board = board_counts(user, roots, now=NOW)
        case_at(tree, "01002", grid=0, days_ago=0)  # reported today: counted live on top of the cached days
        with CaptureQueriesContext(connection) as ctx:
            after = {r["name"]: r["count"] for r in screen.categories(user, roots, NOW)["top"]}
    name = Category.objects.get(code="01002").name
    assert after[name] == before.get(name, 0) + 1
    assert len(ctx.captured_queries) == 1  # the finished days came from the day's cache
    assert now_counts == {k: board[k] for k in ("open", "warning", "overdue", "supervised")}

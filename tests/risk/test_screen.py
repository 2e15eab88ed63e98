import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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

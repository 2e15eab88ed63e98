from datetime import timedelta

import pytest
from django.utils import timezone

from command.models import PatrolLast, PatrolPosition, TrackAccessLog
from tests.command.conftest import open_case


def as_(client, tree, who):
    client.force_login(tree.users[who])
    return client


@pytest.mark.parametrize("who", ["centre", "street", "community", "leader"])
def test_staff_get_the_map(client, tree, who):
    response = as_(client, tree, who).get("/command/")
    assert response.status_code == 200
    assert b'id="command-map"' in response.content and b'id="board-counts"' in response.content


def test_a_grid_worker_is_sent_to_the_patrol_page(client, tree):
    response = as_(client, tree, "worker").get("/command/")
    assert response.status_code == 302 and response["Location"] == "/command/patrol/"


@pytest.mark.parametrize("who", ["handler", "stranger"])
def test_others_are_refused_the_map_and_its_data(client, tree, who):
    c = as_(client, tree, who)
    for url in (
        "/command/",
        "/command/counts/",
        "/command/overdue/",
        "/command/supervised/",
        "/command/grids.json",
        "/command/grid-load.json",
        "/command/cases.json?bbox=112,28,113,29&zoom=12",
        "/command/patrol/last.json",
    ):
        assert c.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(client, tree):
    assert client.get("/command/")["Location"].startswith("/accounts/login/")


def test_the_map_page_shows_counts_and_lists_with_links(client, tree, rubbish):
    late = open_case(tree, rubbish, alert="red", due=timezone.now() - timedelta(hours=3), title="井盖缺失")
    watched = open_case(tree, rubbish, grid=1, supervised=True, title="占道经营")
    html = as_(client, tree, "community").get("/command/").content.decode()
    assert f'href="/cases/{late.pk}/"' in html and "井盖缺失" in html
    assert f'href="/cases/{watched.pk}/"' in html and "占道经营" in html
    assert 'hx-trigger="every 30s"' in html
    # No tile server configured: the page draws the grids over the district's own base layer.
    assert "data-tiles" not in html and 'data-base="/residents/base-layer/"' in html


def test_the_counts_partial_is_the_tiles_alone(client, tree, rubbish):
    open_case(tree, rubbish, alert="red")
    html = as_(client, tree, "centre").get("/command/counts/").content.decode()
    assert html.startswith('<div id="board-counts"') and "<html" not in html
    assert '<span class="n">1</span><span class="label">Overdue' in html


def test_the_lists_partials(client, tree, rubbish):
    case = open_case(tree, rubbish, alert="red", supervised=True)
    c = as_(client, tree, "centre")
    assert f"/cases/{case.pk}/" in c.get("/command/overdue/").content.decode()
    assert f"/cases/{case.pk}/" in c.get("/command/supervised/").content.decode()
    assert "No overdue cases." in as_(client, tree, "community_b").get("/command/overdue/").content.decode()


def test_grids_json_is_the_users_grids_and_revalidates_by_etag(client, tree, rubbish):
    c = as_(client, tree, "community")
    response = c.get("/command/grids.json")
    assert {f["properties"]["code"] for f in response.json()["features"]} == {
        tree.grids[0].code,
        tree.grids[1].code,
    }
    etag = response["ETag"]
    again = c.get("/command/grids.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    other = as_(client, tree, "community_b").get("/command/grids.json", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag  # another scope, another tag


def test_grid_load_json(client, tree, rubbish):
    open_case(tree, rubbish, grid=0, alert="red")
    load = as_(client, tree, "community").get("/command/grid-load.json").json()
    assert load == {
        "load": {tree.grids[0].code: {"open": 1, "warning": 0, "overdue": 1, "supervised": 0}},
        "max_open": 1,
    }


def test_cases_json_validates_its_parameters_per_field(client, tree):
    c = as_(client, tree, "centre")
    response = c.get("/command/cases.json", {"bbox": "1,2,3", "zoom": "99"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"bbox", "zoom"}
    assert c.get("/command/cases.json", {"bbox": "113,28,112,29", "zoom": "3"}).status_code == 400


def test_cases_json_returns_markers_in_the_box(client, tree, rubbish):
    case = open_case(tree, rubbish)
    body = (
        as_(client, tree, "centre")
        .get("/command/cases.json", {"bbox": "112.8,28.1,113,28.3", "zoom": "15"})
        .json()
    )
    assert [m["id"] for m in body["markers"]] == [case.pk]


def put(user, grid, minutes_ago=2):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    PatrolPosition.objects.create(user=user, lat=grid.centroid_lat, lon=grid.centroid_lon, recorded_at=at)
    PatrolLast.objects.create(
        user=user, lat=grid.centroid_lat, lon=grid.centroid_lon, recorded_at=at, area_code=grid.code
    )


def test_last_positions_for_supervisors(client, tree):
    put(tree.users["worker"], tree.grids[0])
    put(tree.users["worker2"], tree.grids[1], minutes_ago=60)
    body = as_(client, tree, "leader").get("/command/patrol/last.json").json()
    [feature] = body["features"]
    assert feature["properties"]["user"] == tree.users["worker"].pk
    assert feature["properties"]["track"] == f"/command/patrol/track/{tree.users['worker'].pk}.json"
    assert as_(client, tree, "community_b").get("/command/patrol/last.json").json()["features"] == []


def test_a_read_only_leader_sees_the_map_but_no_patrols(client, tree):
    from grids.models import Role
    from tests.factories import make_user

    make_user("observer", Role.LEADER_READONLY, tree.district)
    client.force_login(make_user.__globals__["User"].objects.get(username="observer"))
    assert client.get("/command/").status_code == 200
    assert b"data-patrols" not in client.get("/command/").content
    assert client.get("/command/patrol/last.json").status_code == 403


def test_a_track_is_shown_to_the_worker_and_supervisors_and_every_look_by_others_is_logged(client, tree):
    worker = tree.users["worker"]
    put(worker, tree.grids[0])
    url = f"/command/patrol/track/{worker.pk}.json"
    own = as_(client, tree, "worker").get(url)
    assert own.status_code == 200 and len(own.json()["points"]) == 1
    assert not TrackAccessLog.objects.exists()
    assert as_(client, tree, "leader").get(url).status_code == 200
    log = TrackAccessLog.objects.get()
    assert (log.viewer, log.subject, log.via) == (tree.users["leader"], worker, "map")
    for who in ("worker2", "community_b", "handler", "stranger"):
        assert as_(client, tree, who).get(url).status_code == 404, who
    assert TrackAccessLog.objects.count() == 1


def test_a_track_for_another_day_and_a_bad_day(client, tree):
    worker = tree.users["worker"]
    put(worker, tree.grids[0])
    c = as_(client, tree, "centre")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert c.get(f"/command/patrol/track/{worker.pk}.json", {"date": yesterday}).json()["points"] == []
    bad = c.get(f"/command/patrol/track/{worker.pk}.json", {"date": "yesterday"})
    assert bad.status_code == 400 and "date" in bad.json()["fields"]


def test_the_patrol_page_is_for_grid_workers(client, tree):
    html = as_(client, tree, "worker").get("/command/patrol/").content.decode()
    assert 'id="patrol-toggle"' in html and 'data-endpoint="/api/v1/patrol/positions/"' in html
    assert as_(client, tree, "centre").get("/command/patrol/").status_code == 403


def test_the_pages_speak_chinese_by_default(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = as_(client, tree, "centre").get("/command/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "指挥地图" in html and "超期" in html
    html = (
        as_(client, tree, "worker").get("/command/patrol/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "开始巡查" in html


@pytest.mark.parametrize(
    "who, links",
    [
        ("centre", {"map": True, "patrol": False}),
        ("leader", {"map": True, "patrol": False}),
        ("worker", {"map": False, "patrol": True}),
        ("handler", {"map": False, "patrol": False}),
    ],
)
def test_the_nav_context_says_which_pages_the_user_has(rf, tree, who, links):
    from command.context_processors import command_nav

    request = rf.get("/")
    request.user = tree.users[who]
    nav = command_nav(request)["command_nav"]
    assert {"map": nav["map"], "patrol": nav["patrol"]} == links


def test_overdue_cases_say_how_late_in_words(client, tree, rubbish, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    open_case(tree, rubbish, alert="red", due=timezone.now() - timedelta(days=40), title="井盖缺失")
    open_case(tree, rubbish, grid=1, alert="red", due=timezone.now() - timedelta(days=2, hours=5, minutes=3))
    html = as_(client, tree, "centre").get("/command/overdue/").content.decode()
    assert "超期 1 个月" in html and "超期 2 天 5 小时" in html
    assert "月，" not in html and "周" not in html  # not timesince's "1 月，1 周", which reads as a date


def test_the_map_has_a_legend_for_every_mark(client, tree):
    html = as_(client, tree, "centre").get("/command/").content.decode()
    legend = html[html.index('id="map-legend"') :]
    for mark in (
        "lg-fill",
        "lg-edge",
        "lg-cluster",
        "lg-pin alert-red",
        "lg-pin supervised",
        "lg-worker",
        "lg-track",
    ):
        assert mark in legend, mark

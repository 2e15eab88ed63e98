from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from command import selectors
from command.models import PatrolLast, PatrolPosition
from command.selectors import board
from grids.models import Area, Level
from tests.command.conftest import open_case
from tests.factories import make_area, square


def roots(tree, who):
    return selectors.map_roots(tree.users[who])


@pytest.mark.parametrize(
    "who, expected",
    [
        ("centre", ["430104"]),
        ("street", ["430104001"]),
        ("community", ["430104001001"]),
        ("leader", ["430104001001001"]),
        ("worker", []),
        ("handler", []),
        ("stranger", []),
    ],
)
def test_map_roots_follow_the_staff_roles(tree, who, expected):
    assert roots(tree, who) == expected


def test_grid_load_groups_micro_grid_cases_into_their_grid(tree, rubbish):
    grid = tree.grids[0]
    micro = make_area(
        grid.code + "001",
        "1栋",
        Level.MICROGRID,
        grid,
        boundary=square(grid.min_lon, grid.min_lat, 0.001, 0.001),
    )
    open_case(tree, rubbish, grid=0, alert="red")
    open_case(tree, rubbish, grid=0, alert="yellow", supervised=True)
    in_micro = open_case(tree, rubbish, grid=0, dx=-0.002, dy=-0.002)
    assert in_micro.area == micro
    open_case(tree, rubbish, grid=5)
    closed = open_case(tree, rubbish, grid=1)
    Case.objects.filter(pk=closed.pk).update(status="closed")
    load = selectors.grid_load(tree.users["centre"], roots(tree, "centre"))
    assert load == {
        grid.code: {"open": 3, "warning": 1, "overdue": 1, "supervised": 1},
        tree.grids[5].code: {"open": 1, "warning": 0, "overdue": 0, "supervised": 0},
    }
    community = selectors.grid_load(tree.users["community"], roots(tree, "community"))
    assert set(community) == {grid.code}


def test_the_grid_layer_has_every_grid_in_scope_and_the_load_its_counts(tree, rubbish):
    import json

    open_case(tree, rubbish, grid=1)
    _etag, text = board.grid_boundaries(roots(tree, "community"))
    features = json.loads(text)["features"]
    assert [f["properties"]["code"] for f in features] == [tree.grids[0].code, tree.grids[1].code]
    assert features[0]["geometry"]["type"] == "Polygon"
    body = board.grid_load_body(tree.users["community"], roots(tree, "community"))
    assert body == {
        "load": {tree.grids[1].code: {"open": 1, "warning": 0, "overdue": 0, "supervised": 0}},
        "max_open": 1,
    }


def test_cached_boundaries_follow_a_renamed_grid(tree):
    import json

    etag, first = board.grid_boundaries(["430104"])
    assert board.grid_boundaries(["430104"]) == (etag, first)  # the cached text
    grid = Area.objects.get(pk=tree.grids[0].pk)
    grid.name = "新名字"
    grid.save()
    etag2, text = board.grid_boundaries(["430104"])
    names = {f["properties"]["name"] for f in json.loads(text)["features"]}
    assert etag2 != etag and "新名字" in names and len(json.loads(first)["features"]) == 8


def whole_district():
    return {"west": 112.89, "south": 28.19, "east": 112.93, "north": 28.22}


def test_few_cases_come_as_markers(tree, rubbish):
    a = open_case(tree, rubbish, grid=0, alert="red", supervised=True)
    open_case(tree, rubbish, grid=5)
    view = selectors.cases_in_view(tree.users["centre"], ["430104"], zoom=14, **whole_district())
    assert view["total"] == 2 and view["clusters"] == []
    first = view["markers"][0]
    assert (first["id"], first["alert"], first["supervised"], first["url"]) == (
        a.pk,
        "red",
        True,
        f"/cases/{a.pk}/",
    )
    box = {"west": 112.89, "south": 28.19, "east": 112.905, "north": 28.205}  # grid 0 only
    in_box = selectors.cases_in_view(tree.users["centre"], ["430104"], zoom=14, **box)
    assert [m["id"] for m in in_box["markers"]] == [a.pk]


def test_many_cases_come_as_clusters_with_the_worst_alert(tree, rubbish, monkeypatch):
    monkeypatch.setattr(board, "MARKER_LIMIT", 2)
    for k in range(3):
        open_case(tree, rubbish, grid=0, dx=0.0001 * k, alert="red" if k == 1 else "")
    lone = open_case(tree, rubbish, grid=7)
    view = selectors.cases_in_view(tree.users["centre"], ["430104"], zoom=13, **whole_district())
    assert view["total"] == 4
    [cluster] = view["clusters"]
    assert (cluster["count"], cluster["alert"], cluster["overdue"]) == (3, "red", 1)
    (s, w), (n, e) = cluster["bounds"]
    assert s <= cluster["lat"] <= n and w <= cluster["lon"] <= e
    assert [m["id"] for m in view["markers"]] == [lone.pk]  # a cell of one is shown as its case


def test_clusters_take_a_constant_number_of_queries(
    tree, rubbish, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(board, "MARKER_LIMIT", 1)

    def run():
        user = type(tree.users["centre"]).objects.get(pk=tree.users["centre"].pk)
        with django_assert_max_num_queries(4):  # reach, the areas in the box, the cells, the lone cases
            return selectors.cases_in_view(user, ["430104"], zoom=13, **whole_district())

    for g in range(8):
        open_case(tree, rubbish, grid=g)
    small = run()
    for g in range(8):
        for k in range(3):
            open_case(tree, rubbish, grid=g, dx=0.0002 * (k + 1))
    big = run()
    assert small["total"] == 8 and big["total"] == 32


def test_a_zoomed_in_view_reads_only_the_areas_it_meets_and_a_wide_one_does_not_filter(
    tree, rubbish, monkeypatch
):
    a, b = open_case(tree, rubbish, grid=0), open_case(tree, rubbish, grid=7)
    grid = tree.grids[0]
    box = {
        "west": grid.min_lon + 0.001,
        "south": grid.min_lat + 0.001,
        "east": grid.max_lon - 0.001,
        "north": grid.max_lat - 0.001,
    }
    assert set(board._areas_in_box(**box)) == {"430104", "430104001", "430104001001", grid.code}
    centre = tree.users["centre"]
    assert [m["id"] for m in selectors.cases_in_view(centre, ["430104"], zoom=17, **box)["markers"]] == [a.pk]
    monkeypatch.setattr(board, "AREA_FILTER_LIMIT", 2)
    assert board._areas_in_box(**whole_district()) is None
    wide = selectors.cases_in_view(centre, ["430104"], zoom=13, **whole_district())
    assert {m["id"] for m in wide["markers"]} == {a.pk, b.pk}


def test_cases_outside_the_users_subtree_never_reach_the_map(tree, rubbish):
    open_case(tree, rubbish, grid=2)
    view = selectors.cases_in_view(
        tree.users["community"], roots(tree, "community"), zoom=14, **whole_district()
    )
    assert view["total"] == 0


def test_board_counts(tree, rubbish):
    open_case(tree, rubbish, grid=0, alert="red", supervised=True)
    open_case(tree, rubbish, grid=1, alert="yellow")
    done = open_case(tree, rubbish, grid=1)
    Case.objects.filter(pk=done.pk).update(status="closed", closed_at=timezone.now())
    old = open_case(tree, rubbish, grid=0)
    Case.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=2))
    open_case(tree, rubbish, grid=4)  # other street
    counts = selectors.board_counts(tree.users["street"], roots(tree, "street"))
    assert counts == {
        "open": 3,
        "warning": 1,
        "overdue": 1,
        "supervised": 1,
        "reported_today": 3,
        "closed_today": 1,
    }


def test_overdue_list_is_most_overdue_first_and_supervised_list_holds_open_cases(tree, rubbish):
    now = timezone.now()
    later = open_case(tree, rubbish, alert="red", due=now - timedelta(hours=1))
    earlier = open_case(tree, rubbish, alert="red", due=now - timedelta(days=1), supervised=True)
    open_case(tree, rubbish, alert="yellow")
    closed = open_case(tree, rubbish, supervised=True)
    Case.objects.filter(pk=closed.pk).update(status="closed")
    user, r = tree.users["centre"], roots(tree, "centre")
    assert selectors.overdue_cases(user, r) == [earlier, later]
    assert selectors.supervised_cases(user, r) == [earlier]


# --- Patrol scope -------------------------------------------------------------------------------------


def put(user, grid, minutes_ago=1):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    PatrolPosition.objects.create(
        user=user, lat=grid.centroid_lat, lon=grid.centroid_lon, recorded_at=at, area_code=grid.code
    )
    PatrolLast.objects.update_or_create(
        user=user,
        defaults={
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
            "recorded_at": at,
            "area_code": grid.code,
        },
    )


@pytest.mark.parametrize(
    "who, sees",
    [
        ("worker", {"worker"}),
        ("worker2", {"worker2"}),
        ("leader", {"worker"}),
        ("community", {"worker", "worker2"}),
        ("street", {"worker", "worker2"}),
        ("centre", {"worker", "worker2"}),
        ("community_b", set()),
        ("handler", set()),
        ("stranger", set()),
    ],
)
def test_positions_are_seen_by_the_worker_and_their_supervisors_only(tree, who, sees):
    from grids.scope import scoped

    put(tree.users["worker"], tree.grids[0])
    put(tree.users["worker2"], tree.grids[1])
    visible = scoped(tree.users[who], PatrolPosition.objects.all()).values_list("user__username", flat=True)
    assert set(visible) == sees
    assert {selectors.may_see_track(tree.users[who], tree.users[n].pk) for n in sees} <= {True}
    others = {"worker", "worker2"} - sees
    assert not any(selectors.may_see_track(tree.users[who], tree.users[n].pk) for n in others)


def test_a_worker_walking_into_another_community_stays_with_their_own_supervisors(tree):
    put(tree.users["worker"], tree.grids[2])  # community 2's ground
    from grids.scope import scoped

    assert scoped(tree.users["community_b"], PatrolPosition.objects.all()).count() == 0
    assert scoped(tree.users["community"], PatrolPosition.objects.all()).count() == 1


def test_active_last_positions_are_recent_and_exclude_the_viewer(tree):
    put(tree.users["worker"], tree.grids[0], minutes_ago=3)
    put(tree.users["worker2"], tree.grids[1], minutes_ago=selectors.ACTIVE_MINUTES + 1)
    active = selectors.active_last_positions(tree.users["community"])
    assert [p.user for p in active] == [tree.users["worker"]]
    assert list(selectors.active_last_positions(tree.users["worker"])) == []
    assert list(selectors.active_last_positions(tree.users["handler"])) == []

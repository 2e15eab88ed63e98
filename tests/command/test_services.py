from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from command import services
from command.models import PatrolLast, PatrolPosition, TrackAccessLog


def record(tree, who="worker", grid=0, at=None, **kw):
    area = tree.grids[grid]
    kw.setdefault("lat", area.centroid_lat)
    kw.setdefault("lon", area.centroid_lon)
    return services.patrol_position_record(actor=tree.users[who], recorded_at=at, **kw)


def test_it_keeps_a_point_with_its_grid_and_moves_the_last_position(tree):
    result = record(tree, accuracy_m=8)
    assert not result.merged
    position = result.position
    assert position.area_code == tree.grids[0].code and position.inside and position.accuracy_m == 8
    last = PatrolLast.objects.get(user=tree.users["worker"])
    assert (last.lat, last.lon, last.area_code) == (position.lat, position.lon, tree.grids[0].code)


def test_it_merges_a_point_that_follows_the_last_too_closely(tree):
    now = timezone.now()
    record(tree, at=now - timedelta(seconds=30))
    assert record(tree, at=now - timedelta(seconds=25)).merged
    assert not record(tree, grid=1, at=now).merged
    assert PatrolPosition.objects.count() == 2
    assert PatrolLast.objects.get().area_code == tree.grids[1].code


def test_a_late_point_joins_the_track_but_does_not_move_the_worker(tree):
    now = timezone.now()
    record(tree, grid=1, at=now)
    record(tree, grid=0, at=now - timedelta(minutes=5))
    assert PatrolPosition.objects.count() == 2
    assert PatrolLast.objects.get().area_code == tree.grids[1].code


def test_a_point_outside_every_boundary_is_kept_and_flagged(tree):
    position = record(tree, lat=30.0, lon=114.0).position
    assert not position.inside and position.area_code == ""
    assert PatrolLast.objects.get().inside is False


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"lat": 91.0}, "lat"),
        ({"lon": -181.0}, "lon"),
        ({"accuracy_m": -1}, "accuracy_m"),
        ({"at": timezone.now() + timedelta(hours=1)}, "recorded_at"),
        ({"at": timezone.now() - timedelta(days=2)}, "recorded_at"),
    ],
)
def test_it_refuses_bad_points_per_field(tree, kw, field):
    with pytest.raises(ValidationError) as exc:
        record(tree, **kw)
    assert list(exc.value.message_dict) == [field]
    assert not PatrolPosition.objects.exists()


@pytest.mark.parametrize("who", ["leader", "community", "centre", "handler", "stranger"])
def test_only_grid_workers_share_positions(tree, who):
    with pytest.raises(PermissionDenied):
        record(tree, who=who)
    assert not PatrolPosition.objects.exists()


def test_looking_at_others_tracks_is_logged_and_at_ones_own_is_not(tree):
    now = timezone.now()
    worker, leader = tree.users["worker"], tree.users["leader"]
    assert (
        services.track_access_record(
            viewer=leader, subject_ids=[worker.pk, worker.pk, leader.pk], start=now, end=now, via="map"
        )
        == 1
    )
    log = TrackAccessLog.objects.get()
    assert (log.viewer, log.subject, log.via) == (leader, worker, "map")
    assert (
        services.track_access_record(viewer=worker, subject_ids=[worker.pk], start=now, end=now, via="map")
        == 0
    )
    with pytest.raises(PermissionError):
        log.save()


def test_the_purge_deletes_tracks_past_retention_in_chunks(tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "TRACK_RETENTION_DAYS": 7}
    now = timezone.now()
    worker = tree.users["worker"]
    old = [
        PatrolPosition(user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=8, minutes=k))
        for k in range(7)
    ]
    fresh = PatrolPosition.objects.create(
        user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=6)
    )
    PatrolPosition.objects.bulk_create(old)
    PatrolLast.objects.create(user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=8))
    assert services.purge_old_tracks(now=now, chunk=3) == 7
    assert list(PatrolPosition.objects.all()) == [fresh]
    assert not PatrolLast.objects.exists()
    assert services.purge_old_tracks(now=now) == 0  # idempotent


def test_the_retention_defaults_to_thirty_days(settings):
    from command.selectors import retention_days

    settings.GRIDGOV = {k: v for k, v in settings.GRIDGOV.items() if k != "TRACK_RETENTION_DAYS"}
    assert retention_days() == 30


def test_the_beat_task_purges(tree):
    from command.tasks import purge_old_tracks

    PatrolPosition.objects.create(
        user=tree.users["worker"], lat=28.2, lon=112.9, recorded_at=timezone.now() - timedelta(days=31)
    )
    assert purge_old_tracks.delay().get() == 1
    assert not PatrolPosition.objects.exists()

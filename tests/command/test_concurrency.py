"""Two tabs (or a retry) posting the same worker's point at once: PostgreSQL only (real row locks)."""

import pytest
from django.utils import timezone

from command import services
from command.models import PatrolLast, PatrolPosition
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("earlier_point", [False, True])
def test_simultaneous_points_keep_one(tree, earlier_point):
    worker = tree.users["worker"]
    grid = tree.grids[0]
    now = timezone.now()
    if earlier_point:  # the worker already has a last position: the lock on it serialises the posts
        services.patrol_position_record(
            actor=worker,
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
            recorded_at=now - timezone.timedelta(minutes=1),
        )

    def post():
        return services.patrol_position_record(
            actor=worker, lat=grid.centroid_lat, lon=grid.centroid_lon, recorded_at=now
        )

    results = run_together(post, post, post)
    assert [kind for kind, _ in results] == ["ok"] * 3
    assert sorted(r.merged for _, r in results) == [False, True, True]
    assert PatrolPosition.objects.filter(recorded_at=now).count() == 1
    assert PatrolLast.objects.get(user=worker).recorded_at == now

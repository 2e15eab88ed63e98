"""The patrol track's monthly partitions on PostgreSQL (command/partitions.py, migration 0004): months made
ahead by the sweep, whole expired months dropped by retention, the rest purged row by row."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.db import connection

from command import partitions, services
from command.models import PatrolPosition
from dispatch.sweep import STEPS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]


def position(tree, at):
    area = tree.grids[0]
    return PatrolPosition.objects.create(
        user=tree.users["worker"], lat=area.centroid_lat, lon=area.centroid_lon, recorded_at=at
    )


def where(row) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {partitions.TABLE} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def test_it_partitions_the_track_by_month_with_the_migrated_table_first():
    found = partitions.partitions()
    assert found[0][0] == f"{partitions.TABLE}_legacy"
    months = [upper for _name, upper in found]
    assert all(partitions.month_add(a, 1) == b for a, b in pairwise(months))


def test_it_creates_months_ahead_once_and_puts_each_point_in_its_month(tree):
    last = partitions.partitions()[-1][1]
    now = last + timedelta(days=40)
    created = partitions.partitions_ensure(now=now)
    assert created == partitions.AHEAD + 2  # the month of ``now`` and the one before it, then AHEAD more
    assert partitions.partitions_ensure(now=now) == 0
    row = position(tree, last + timedelta(days=3))
    assert where(row) == f"{partitions.TABLE}_y{last:%Y}m{last:%m}"


def test_it_keeps_a_stray_timestamp_in_the_default_partition_instead_of_failing(tree):
    row = position(tree, datetime(2099, 1, 1, tzinfo=UTC))
    assert where(row) == f"{partitions.TABLE}_default"


def test_it_drops_whole_expired_months_and_purges_the_rest_row_by_row(tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "TRACK_RETENTION_DAYS": 30}
    start = partitions.partitions()[-1][1]  # the first month after the migrated table and the months ahead
    partitions.partitions_ensure(now=start + timedelta(days=90))
    in_old_month = position(tree, start + timedelta(days=2))
    early_in_current = position(tree, partitions.month_add(start, 2) + timedelta(days=1))
    kept = position(tree, partitions.month_add(start, 2) + timedelta(days=20))
    now = partitions.month_add(start, 2) + timedelta(days=40)  # cutoff: day 10 of month + 2
    assert services.purge_old_tracks(now=now) == 2  # one with its month's partition, one row by row
    assert list(PatrolPosition.objects.values_list("pk", flat=True)) == [kept.pk]
    names = [name for name, _upper in partitions.partitions()]
    assert f"{partitions.TABLE}_legacy" not in names
    assert f"{partitions.TABLE}_y{start:%Y}m{start:%m}" not in names
    assert not PatrolPosition.objects.filter(pk__in=[in_old_month.pk, early_in_current.pk]).exists()


def test_it_registers_the_partition_step_with_the_sweep():
    assert "partitions" in STEPS

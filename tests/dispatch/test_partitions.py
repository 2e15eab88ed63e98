"""The notifications' monthly partitions on PostgreSQL (migration 0008, gridgov.partitions): the migrated
table first, months made ahead by the sweep, a key once per recipient in each month, the deliveries joined
and cascaded without a database foreign key."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from dispatch import notifications
from dispatch.models import Notification, NotificationDelivery
from dispatch.sweep import STEPS
from gridgov import partitions

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]

TABLE = Notification._meta.db_table


def months():
    return partitions.months([TABLE])[TABLE]


def where(row) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def tell(user, key, at):
    message = notifications.Message(recipients={user.pk}, kind="test", title="t", key=key)
    return notifications.notify([message], at=at)


def test_it_partitions_the_notifications_by_month_with_the_migrated_table_first():
    found = months()
    assert found[0][0] == f"{TABLE}_legacy"
    assert [partitions.month_add(a, 1) for _n, a in found[:-1]] == [b for _n, b in found[1:]]


def test_it_gives_each_month_made_ahead_its_own_unique_key_index(tree):
    last = months()[-1][1]
    assert partitions.months_ensure(now=last + timedelta(days=40)) >= partitions.AHEAD
    user = tree.users["worker"]
    at = last + timedelta(days=3)
    tell(user, "case:1:dispatch", at)
    tell(user, "case:1:dispatch", at + timedelta(hours=1))  # a retry: no second notice
    (row,) = Notification.objects.filter(recipient=user)
    assert where(row) == f"{TABLE}_y{last:%Y}m{last:%m}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"{TABLE}_y{last:%Y}m{last:%m}_once"]
        )
        assert "UNIQUE" in cursor.fetchone()[0]


def test_it_keeps_a_stray_timestamp_in_the_default_partition(tree):
    tell(tree.users["worker"], "stray", datetime(2099, 1, 1, tzinfo=UTC))
    assert where(Notification.objects.get(key="stray")) == f"{TABLE}_default"


def test_it_joins_and_cascades_the_deliveries_without_a_database_foreign_key(tree, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "NOTIFY_BACKENDS": ["dispatch.notifications.backends.EmailBackend"],
    }
    user = tree.users["worker"]
    user.email = "worker@example.org"
    user.save()
    (delivery_id,) = tell(user, "case:2:dispatch", months()[-1][1] + timedelta(days=1))
    delivery = NotificationDelivery.objects.select_related("notification").get(pk=delivery_id)
    assert delivery.notification.key == "case:2:dispatch"
    delivery.notification.delete()
    assert not NotificationDelivery.objects.filter(pk=delivery_id).exists()


def test_it_registers_one_partition_step_for_every_table_with_the_sweep():
    assert "partitions" in STEPS
    assert TABLE in partitions.MONTHLY

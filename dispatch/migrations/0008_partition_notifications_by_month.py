"""Notifications partitioned by month on PostgreSQL (issue 22 §3; docs/scale.md): the inbox's largest table
(every case step notifies several people) stays a set of month tables that a later retention can drop whole.

The migration path for a database that already holds notifications (``gridgov.partitions.table_partition``):
the table is renamed, its key widened to (id, created_at), and attached, rows in place, as the partition of
everything before the first of next month (UTC); a new partitioned table takes the old name with its
indexes, a default partition and three months ahead. The deliveries' foreign key was dropped first (0007):
PostgreSQL can point one only at a key that holds the month.

"notification_once" (a key once per recipient) cannot hold across a partitioned table: each month's
partition has its own unique index (``{partition}_once``, the migrated table keeps the constraint), and
across months ``notify`` reads the existing keys before it writes. SQLite has no partitions: nothing changes
there. Reversing leaves the partitioned table in place, which the models cannot tell from the plain one.
"""

from django.db import migrations

from gridgov.partitions import table_partition

TABLE = "dispatch_notification"
EACH = ("CREATE UNIQUE INDEX {partition}_once ON {partition} (recipient_id, key)",)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        table_partition(cursor, TABLE, "created_at", each=EACH)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0007_notification_delivery_without_db_fk")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]

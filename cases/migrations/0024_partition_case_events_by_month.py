"""Case events partitioned by month on PostgreSQL (issue 22 §3; docs/scale.md): the audit trail grows by
hundreds of millions of rows a year and is never deleted, so it is kept as month tables whose indexes stay
small, instead of one table whose every index grows for ever.

The migration path for a database that already holds events (``gridgov.partitions.table_partition``): the
table is renamed, its key widened to (id, created_at), and attached, rows in place (none copied, none
re-hashed), as the partition of everything before the first of next month (UTC); a new partitioned table
takes the old name with its indexes, a default partition and three months ahead. Ids keep coming from one
sequence, so they still only go up, which the audit checkpoints' settled mark relies on. The photos'
foreign key to their event was dropped first (0021): PostgreSQL can point one only at a key that holds the
month; ``verify_audit`` reports a photo naming an event that is gone.

"caseevent_unique_seq" (one event per number in a case) cannot hold across a partitioned table: each
month's partition has its own unique index (``{partition}_seq``; the migrated table keeps the constraint),
and across months the one writer (``cases.events``) appends only under the case's row lock, with the head
on the case row; ``verify_audit`` reports a number used twice (``repeated``). SQLite has no partitions:
nothing changes there. Reversing leaves the partitioned table in place, which the models cannot tell from
the plain one.
"""

from django.db import migrations

from gridgov.partitions import table_partition

TABLE = "cases_caseevent"
EACH = ("CREATE UNIQUE INDEX {partition}_seq ON {partition} (case_id, seq)",)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        table_partition(cursor, TABLE, "created_at", each=EACH)


class Migration(migrations.Migration):
    dependencies = [("cases", "0023_attachment_event_without_db_fk")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]

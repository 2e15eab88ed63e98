"""The monthly partitions of the patrol track on PostgreSQL (migration 0004; docs/domain.md §12).

Months are created ahead by an hourly step of the sweep, so an insert never lands in the default partition
(which stays empty; a stray timestamp goes there rather than failing the phone's request). Retention drops
every partition whose whole month is past the retention period before ``purge_old_tracks`` deletes the
expired rows of the one month that is only partly past it. On SQLite there are no partitions and both are
no-ops.

Partitions are found in the catalogue by their bounds, not by their names, so the migrated table (the
partition of everything before the cutover month) is handled like any month.
"""

import re
from datetime import UTC, datetime

from django.db import connection

from .models import PatrolPosition

TABLE = PatrolPosition._meta.db_table
AHEAD = 3  # months
_BOUND = re.compile(r"TO \('([^']+)'\)")


def month_add(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partitions() -> list[tuple[str, datetime]]:
    """The range partitions with their upper bound, oldest first (the default one has none)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            found.append((name, datetime.fromisoformat(match.group(1)).astimezone(UTC)))
    return sorted(found, key=lambda p: p[1])


def partitions_ensure(*, now=None) -> int:
    """Create the months from the last partition's end to ``AHEAD`` months past ``now``; returns how many."""
    existing = partitions()
    if not existing:
        return 0
    start, until = existing[-1][1], month_add(now or datetime.now(UTC), AHEAD + 1)
    created = 0
    with connection.cursor() as cursor:
        while start < until:
            end = month_add(start, 1)
            cursor.execute(
                f"CREATE TABLE {TABLE}_y{start:%Y}m{start:%m} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            start, created = end, created + 1
    return created


def partitions_drop_expired(cutoff: datetime) -> int:
    """Drop the partitions whose every row is older than ``cutoff``; returns the rows they held."""
    expired = [name for name, upper in partitions() if upper <= cutoff]
    dropped = 0
    with connection.cursor() as cursor:
        if expired:
            # Deferred foreign-key checks of rows written earlier in this transaction must run before a
            # table they touch can be dropped.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in expired:
            cursor.execute(f"SELECT count(*) FROM {name}")
            dropped += cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {name}")
    return dropped

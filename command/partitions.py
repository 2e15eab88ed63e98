"""The monthly partitions of the patrol track on PostgreSQL (migration 0004; docs/domain.md §12), through
the shared ``gridgov.partitions``.

Retention drops every partition whose whole month is past the retention period before ``purge_old_tracks``
deletes the expired rows of the one month that is only partly past it. On SQLite there are no partitions
and both are no-ops.
"""

from datetime import datetime

from gridgov import partitions as monthly
from gridgov.partitions import AHEAD, month_add

from .models import PatrolPosition

TABLE = PatrolPosition._meta.db_table

__all__ = ["AHEAD", "TABLE", "month_add", "partitions", "partitions_drop_expired", "partitions_ensure"]


def partitions() -> list[tuple[str, datetime]]:
    """The range partitions with their upper bound, oldest first (the default one has none)."""
    return monthly.months([TABLE])[TABLE]


def partitions_ensure(*, now=None) -> int:
    """Create the track's months from the last partition's end to ``AHEAD`` months past ``now``."""
    return monthly.months_ensure(now=now, tables=[TABLE])


def partitions_drop_expired(cutoff: datetime) -> int:
    """Drop the partitions whose every row is older than ``cutoff``; returns the rows they held."""
    return monthly.months_drop_expired(TABLE, cutoff)

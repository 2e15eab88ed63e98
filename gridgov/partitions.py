"""Monthly range partitions on PostgreSQL, for every large table that has them (issue 22 §3; docs/scale.md).

An app registers its partitioned table (``monthly_register``, from its AppConfig): the patrol track, the
notifications, the case events. One step of the sweep (``months_ensure``, hourly) creates each table's months
ahead, so an insert never lands in the default partition (which stays empty; a stray timestamp goes there
rather than failing the write). Retention drops a table's whole months (``months_drop_expired``). A table's
migration turns the existing table into the partition of everything before the cutover month
(``table_partition``). On SQLite there are no partitions and all of it is a no-op.

PostgreSQL allows a unique constraint on a partitioned table only if it holds the partition key, so a
uniqueness that must not (a case's event number, a notice's key for its recipient) is kept by a unique index
on each partition: ``each`` lists the statements run on every new partition. It holds within a month; across
months the writer's own guard holds (the case's row lock, the notice's read-before-write), as each table's
migration documents.

Partitions are found in the catalogue by their bounds, not by their names, so the migrated table is handled
like any month. Migrations call ``table_partition``: change it only in ways an old migration still runs with.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

AHEAD = 3  # months
_BOUND = re.compile(r"TO \('([^']+)'\)")


@dataclass(frozen=True)
class Monthly:
    table: str
    # Run on each new partition, ``{partition}`` replaced by its name: the per-month unique indexes.
    each: tuple[str, ...] = ()


MONTHLY: dict[str, Monthly] = {}


def monthly_register(table: str, *, each: tuple[str, ...] = ()) -> None:
    MONTHLY[table] = Monthly(table, each)


def month_add(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def months(tables) -> dict[str, list[tuple[str, datetime]]]:
    """Each table's range partitions with their upper bound, oldest first (the default one has none), read
    in one question for all of them; a table without partitions (SQLite, not migrated) maps to []."""
    found: dict[str, list[tuple[str, datetime]]] = {table: [] for table in tables}
    if connection.vendor != "postgresql" or not found:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.relname, c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = ANY(%s) AND p.relkind = 'p'",
            [list(found)],
        )
        rows = cursor.fetchall()
    for table, name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            found[table].append((name, datetime.fromisoformat(match.group(1)).astimezone(UTC)))
    return {table: sorted(parts, key=lambda p: p[1]) for table, parts in found.items()}


def months_ensure(*, now=None, tables=None) -> int:
    """Create each registered table's months from its last partition's end to ``AHEAD`` months past
    ``now``; returns how many. One catalogue question however many tables."""
    tables = list(MONTHLY) if tables is None else tables
    until = month_add(now or datetime.now(UTC), AHEAD + 1)
    created = 0
    with connection.cursor() as cursor:
        for table, existing in months(tables).items():
            if not existing:
                continue
            start = existing[-1][1]
            while start < until:
                end = month_add(start, 1)
                if not _month_create_or_log(cursor, MONTHLY.get(table) or Monthly(table), start, end):
                    break
                start, created = end, created + 1
    return created


def _month_create_or_log(cursor, monthly: Monthly, start: datetime, end: datetime) -> bool:
    """Create the month; when the default partition already holds rows of it (a clock far ahead), leave
    them there and say so, rather than fail the sweep every hour: they are read correctly, only unpruned."""
    try:
        with transaction.atomic():
            _month_create(cursor, monthly, start, end)
    except DatabaseError as exc:
        log.error("partitions: %s: cannot create the month from %s: %s", monthly.table, start, exc)
        return False
    return True


def months_ensure_step(*, now=None) -> int:
    """The sweep's hourly step (registered by dispatch): ``months_ensure``, logged when it made any."""
    created = months_ensure(now=now)
    if created:
        log.info("partitions: created %s monthly partitions ahead", created)
    return created


def _month_create(cursor, monthly: Monthly, start: datetime, end: datetime) -> None:
    name = f"{monthly.table}_y{start:%Y}m{start:%m}"
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {monthly.table} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )
    for statement in monthly.each:
        cursor.execute(statement.format(partition=name))


def months_drop_expired(table: str, cutoff: datetime) -> int:
    """Drop the table's partitions whose every row is older than ``cutoff``; returns the rows they held."""
    expired = [name for name, upper in months([table])[table] if upper <= cutoff]
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


# --- The migration path ------------------------------------------------------------------------------


def table_partition(cursor, table: str, key: str, *, each: tuple[str, ...] = (), now=None) -> bool:
    """Turn an existing plain ``table`` (rows kept, in place) into one partitioned by month on ``key``.

    The table is renamed ``<table>_legacy``, its identity dropped and its primary key widened to
    (id, key), then attached under a CHECK constraint proven first (so the attach does not scan it again) as
    the partition of everything before the first of next month (UTC). A new partitioned table takes the
    old name, columns, checks, foreign keys and plain indexes (the legacy table's matching indexes are
    attached to them, not rebuilt), a default partition and ``AHEAD`` months. Unique constraints and
    indexes stay on the legacy table only; ``each`` gives the new partitions theirs. No foreign key may
    point at the table (drop it first: PostgreSQL cannot point one at a partitioned table's id alone).
    Widening the key builds one index over the old table while writes wait: plan the deploy for it.

    Returns False (nothing done) when the table is already partitioned.
    """
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
    if cursor.fetchone()[0] == "p":
        return False
    _no_references(cursor, table)
    legacy, cutover = f"{table}_legacy", month_add(now or datetime.now(UTC), 1)
    bound = f"'{cutover.isoformat()}'"
    foreign, plain = _foreign_keys(cursor, table), _plain_indexes(cursor, table)
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table]
    )
    (pkey,) = cursor.fetchone()
    statements = [f"ALTER TABLE {table} RENAME TO {legacy}"]
    statements += [f'ALTER INDEX "{name}" RENAME TO {legacy}_i{n}' for n, (name, _d) in enumerate(plain)]
    statements += [
        f"ALTER TABLE {legacy} ALTER COLUMN id DROP IDENTITY IF EXISTS",
        f'ALTER TABLE {legacy} DROP CONSTRAINT "{pkey}", '
        f"ADD CONSTRAINT {legacy}_pkey PRIMARY KEY (id, {key})",
        f"CREATE TABLE {table} (LIKE {legacy} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        f"PARTITION BY RANGE ({key})",
        f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {key})",
    ]
    statements += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in foreign
    ]
    statements += [definition for _name, definition in plain]
    statements += [
        f"ALTER TABLE {legacy} ADD CONSTRAINT {legacy}_bound CHECK ({key} < {bound})",
        f"ALTER TABLE {table} ATTACH PARTITION {legacy} FOR VALUES FROM (MINVALUE) TO ({bound})",
        f"ALTER TABLE {legacy} DROP CONSTRAINT {legacy}_bound",
        f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT",
    ]
    statements += [statement.format(partition=f"{table}_default") for statement in each]
    for statement in statements:
        cursor.execute(statement)
    monthly = Monthly(table, each)
    for month in range(AHEAD):
        _month_create(cursor, monthly, month_add(cutover, month), month_add(cutover, month + 1))
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
    )
    return True


def _no_references(cursor, table: str) -> None:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    pointing = cursor.fetchall()
    if pointing:
        raise RuntimeError(f"{table}: foreign keys point at it, drop them first: {pointing}")


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The indexes that are neither the key nor unique, with their definitions (naming the table)."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisunique ORDER BY c.relname",
        [table],
    )
    return cursor.fetchall()

"""Rows written in bulk, ids and timestamps as given: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

For generators that make their rows in memory (the demo history, the benchmark's fill): ``rows_insert``
writes them as they are, ``auto_now`` stamps included (a demo case reported in May keeps its May
``created_at``), and ``sequences_reset`` moves the id sequences past the ids the caller handed out.
"""

import json
from contextlib import contextmanager

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


def rows_insert(model, rows, *, batch_size=1000) -> int:
    """Insert ``rows`` (unsaved instances of ``model``; with ids, or all without, numbered by the database);
    returns how many."""
    if not rows:
        return 0
    with _given_timestamps(model):
        if connection.vendor == "postgresql":
            _copy(model, rows)
        else:
            model.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def sequences_reset(*models_) -> None:
    """Move the models' id sequences past their largest id (PostgreSQL; nothing to do on SQLite)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


@contextmanager
def _given_timestamps(model):
    """Let the rows keep their own times instead of the ``auto_now``/``auto_now_add`` stamp of this moment."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _copy(model, rows):
    """COPY: several times faster than INSERT for the million-row tables."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]  # the database computes those
    if rows[0].pk is None:  # rows without ids of their own: the sequence numbers them
        fields = [f for f in fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in rows:
            copy.write_row([_copy_value(f, obj) for f in fields])


def _copy_value(f, obj):
    value = getattr(obj, f.attname)
    if value is None:
        return None
    if isinstance(f, models.JSONField):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(f, models.FileField):
        return str(value)
    return value

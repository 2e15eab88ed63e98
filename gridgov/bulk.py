"""Rows written in bulk, ids and timestamps as given: ``COPY`` on PostgreSQL, one prepared ``INSERT`` run
over every row (``executemany``) elsewhere.

For generators that make their rows in memory (the demo district, the benchmark's fill): ``rows_insert``
writes them as they are, ``auto_now`` stamps included (a demo case reported in May keeps its May
``created_at``; a stamp left empty gets this moment, as ``save`` would give it). Rows without an id get the
next ids after the table's largest before they are written, so the instances can be referenced at once
(a household's persons) without reading anything back; the caller holds the tables meanwhile (the demo
loads in one transaction, on an empty district). ``sequences_reset`` moves PostgreSQL's id sequences past
the ids handed out. Django's ``bulk_create`` does the same work one statement per ~100 rows (SQLite's 999
parameters), each compiled anew: several times slower for the demo's 100,000-row tables.
"""

import contextlib
import datetime as dt
import functools
import gc
import json

from django.conf import settings
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone


def rows_insert(model, rows, *, batch_size=5000) -> int:
    """Insert ``rows``, unsaved instances of ``model`` or dicts of its field attnames (a dict leaves out what
    takes the field's default; a tenth of an instance's cost for the 100,000-row tables nobody reads back);
    returns how many. Rows without an id get one (written into the instance or dict)."""
    if not rows:
        return 0
    if isinstance(rows[0], dict):
        for f in _fields(model):
            for row in rows:
                if f.attname not in row:
                    row[f.attname] = f.get_default()
        read, write = dict.__getitem__, dict.__setitem__
    else:
        read, write = getattr, setattr
    # Rows that bring their own ids move the sequence past them; drawn ids came from it already.
    brought = any(read(obj, model._meta.pk.attname) is not None for obj in rows)
    ids_assign(model, rows, read=read, write=write)
    _stamp(model, rows, read, write)
    if connection.vendor == "postgresql":
        _copy(model, rows, read)
        if brought:
            sequences_reset(model)
    else:
        _executemany(model, rows, read, batch_size)
    return len(rows)


def ids_assign(model, rows, *, read=getattr, write=setattr) -> None:
    """Give the rows without an id one (one query; none when all have one): drawn from the table's id sequence
    on PostgreSQL, so a service writing beside other writers never takes an id they hold; after the table's
    largest on SQLite, whose writers take turns."""
    pk = model._meta.pk
    missing = [obj for obj in rows if read(obj, pk.attname) is None]
    if not missing:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(missing)],
            )
            numbers = [number for (number,) in cursor.fetchall()]
    else:
        last = model.objects.aggregate(last=Max("pk"))["last"] or 0
        numbers = list(range(last + 1, last + 1 + len(missing)))
    for number, obj in zip(numbers, missing, strict=True):
        write(obj, pk.attname, number)


def sequences_reset(*models_) -> None:
    """Move the models' id sequences past their largest id (PostgreSQL; nothing to do on SQLite)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def _fields(model):
    return [f for f in model._meta.concrete_fields if not f.generated]  # the database computes those


def _stamp(model, rows, read, write) -> None:
    """``auto_now``/``auto_now_add`` fields the rows leave empty get this moment; given ones stay."""
    stamped = [
        f.attname
        for f in _fields(model)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    if not stamped:
        return
    now = timezone.now()
    for obj in rows:
        for name in stamped:
            if read(obj, name) is None:
                write(obj, name, now)


def _executemany(model, rows, read, batch_size):
    """One INSERT statement, compiled once, run over the rows in batches (each field's own conversion)."""
    fields = _fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    prepare = [(f.attname, _to_db(f)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(
                sql,
                [
                    [to_db(read(obj, name)) for name, to_db in prepare]
                    for obj in rows[start : start + batch_size]
                ],
            )


def _to_db(f):
    """The field's value as the database takes it: ``get_db_prep_save``, with the common cases made short on
    SQLite (the driver takes str, int, float and None as they are; an aware datetime is stored as the text
    of its naive UTC time, as Django's SQLite backend stores it) — a third of the insert time otherwise."""
    general = f.get_db_prep_save
    target = f.target_field if f.is_relation else f
    plain = ()
    if connection.vendor == "sqlite":
        if isinstance(target, (models.IntegerField, models.BooleanField)):
            plain = (int, bool)
        elif type(target) in (models.CharField, models.TextField):
            plain = (str,)
        elif isinstance(target, models.FloatField):
            plain = (float,)
        elif type(target) is models.DateTimeField and settings.USE_TZ:
            tz = connection.timezone

            def moment(value):
                if type(value) is dt.datetime and value.tzinfo is not None:
                    return str(value.astimezone(tz).replace(tzinfo=None))
                return general(value, connection)

            return moment
    if not plain:
        return lambda value: general(value, connection)
    plain += (type(None),)
    return lambda value: value if type(value) in plain else general(value, connection)


def _copy(model, rows, read):
    """COPY: several times faster than INSERT for the million-row tables."""
    fields = _fields(model)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in rows:
            copy.write_row([_copy_value(f, read(obj, f.attname)) for f in fields])


def _copy_value(f, value):
    if value is None:
        return None
    if isinstance(f, models.JSONField):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(f, models.FileField):
        return str(value)
    return value


def tuples_insert(model, columns, rows) -> int:
    """Insert ``rows``, tuples of values in the order of ``columns`` (attnames), the database filling the
    rest (the id from its sequence): ``COPY`` on PostgreSQL, one prepared ``INSERT`` elsewhere. For a
    service writing many rows it checked itself and never reads back (a year of duty shifts): no model
    instance, no per-field conversion in Python on PostgreSQL."""
    if not rows:
        return 0
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY's text format built here: each distinct value formatted once (rows repeat their people,
            # codes and times), a tenth of psycopg's per-row ``write_row``.
            text = functools.lru_cache(maxsize=1 << 16, typed=True)(_copy_text)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for start in range(0, len(rows), COPY_CHUNK):
                    chunk = rows[start : start + COPY_CHUNK]
                    copy.write("".join("\t".join(map(text, row)) + "\n" for row in chunk))
        else:
            prepare = [_to_db(f) for f in fields]
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})",
                [[to_db(v) for to_db, v in zip(prepare, row, strict=True)] for row in rows],
            )
    return len(rows)


COPY_CHUNK = 10000
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format (``\\N`` for NULL, specials escaped, times in ISO with offset)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


@contextlib.contextmanager
def gc_paused():
    """Hold off Python's cyclic garbage collector while tens of thousands of acyclic rows (tuples of plain
    values) are built: each of its passes walks the whole heap, and the new rows set off many. Reference
    counting still frees everything; the collector resumes (if it ran before) on the way out."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()

"""Hot inserts: Django's INSERT statement compiled once per model and column set, not on every save.

Django compiles an INSERT anew for each ``save()``: it quotes every column, asks every field for its
placeholder and assembles the RETURNING clause. For the rows written on every report (a case has 40-odd
columns, its first event a dozen) that cost more CPU than the database spent on the row. A model with
``PrecompiledInsertMixin`` keeps the statement Django compiled the first time, per database and column
set, and then only prepares the values. Anything that would change the statement's shape (an expression
or a database default as a value, a field with its own placeholder, a raw save, a backend without
RETURNING, returned columns that need converting) takes Django's own path.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models.sql import InsertQuery

_STATEMENTS: dict[tuple, "_Statement"] = {}
_MAX_STATEMENTS = 256  # column sets seen per process are few; a bound keeps an odd caller from growing it


class PrecompiledInsertMixin:
    def _do_insert(self, manager, using, fields, returning_fields, raw):
        connection = connections[using]
        # The values first: only a row of plain parameters may be compiled into (or use) a kept statement.
        plain = returning_fields and not raw and connection.features.can_return_columns_from_insert
        values = _values(self, fields, connection) if plain else None
        statement = values is not None and _statement(self, using, fields, returning_fields)
        if not statement or statement.converts:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, [*values, *statement.returning_params])
            return [connection.ops.fetch_returned_insert_columns(cursor, statement.returning_params)]


def _values(obj, fields, connection) -> list | None:
    """The row's parameters, or None if a value is something other than a parameter."""
    values = []
    for field in fields:
        value = field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression") or hasattr(field, "get_placeholder"):
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


@dataclass(frozen=True)
class _Statement:
    sql: str
    returning_params: tuple
    converts: bool  # returned columns need converting (rare): Django's path does that


def _statement(obj, using, fields, returning_fields) -> _Statement:
    key = (
        using,
        type(obj),
        tuple(field.attname for field in fields),
        tuple(f.attname for f in returning_fields),
    )
    statement = _STATEMENTS.get(key)
    if statement is None:
        query = InsertQuery(type(obj))
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning_fields
        [(sql, _params)] = compiler.as_sql()
        converters = compiler.get_converters([f.get_col(obj._meta.db_table) for f in returning_fields])
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = _Statement(sql, tuple(compiler.returning_params), bool(converters))
    return statement

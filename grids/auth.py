"""The signed-in user, read together with its memberships: one statement per request instead of two.

Nearly every request needs both the user (authentication) and its reach (every scoped list, page and
permission check, ``grids.scope``). Django's ``ModelBackend`` reads the user alone, and the reach then
costs a second round trip. ``ReachBackend`` reads the user row joined with its active memberships in
active areas, and hands the user over with its reach already known. Requests authenticated otherwise
(API tokens, tests' ``force_authenticate``) compute the reach on first use, as before.
"""

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connection, connections

from gridgov.db import prepared_statements

from .models import Area, Membership, User
from .scope import reach_from


class ReachBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_reach(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_reach(user_id) -> User | None:
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):  # a session holding something else than an id
        return None
    db = User._default_manager.db
    db_connection = connections[db]
    with prepared_statements(db), db_connection.cursor() as cursor:
        cursor.execute(_statement(), [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    fields = User._meta.concrete_fields
    user = User.from_db(db, [f.attname for f in fields], _converted(rows[0][: len(fields)], db_connection))
    memberships = [row[len(fields) :] for row in rows]
    user._gridgov_reach = reach_from(user, [m for m in memberships if m[1] is not None])
    return user


def _converted(values, db_connection) -> list:
    """The user's columns as the ORM would hand them over (SQLite's booleans and dates, say)."""
    values = list(values)
    for position, (converters, expression) in _converters(db_connection.alias).items():
        for converter in converters:
            values[position] = converter(values[position], expression, db_connection)
    return values


@cache
def _converters(alias) -> dict:
    query = User._default_manager.all().query
    compiler = query.get_compiler(using=alias)
    return compiler.get_converters(
        [field.get_col(User._meta.db_table) for field in User._meta.concrete_fields]
    )


@cache
def _statement() -> str:
    """One row per active membership in an active area, or one row with NULLs for a user with none."""
    qn = connection.ops.quote_name
    columns = ", ".join(f"u.{qn(field.column)}" for field in User._meta.concrete_fields)
    return (
        f"SELECT {columns}, m.role, a.code, m.department_id "
        f"FROM {qn(User._meta.db_table)} u "
        f"LEFT JOIN {qn(Membership._meta.db_table)} m ON m.user_id = u.id AND m.is_active "
        f"LEFT JOIN {qn(Area._meta.db_table)} a ON a.id = m.area_id AND a.is_active "
        f"WHERE u.{qn(User._meta.pk.column)} = %s"
    )

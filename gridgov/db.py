"""Prepared statements only where a generic plan is right: the fixed-shape statements of hot paths.

On PostgreSQL a prepared statement is planned for its values five times, then the server may switch to
one generic plan, blind to the values. For a key lookup or an INSERT that plan is the right one, and
reusing it saves the planning on every request (the signed-in user with its memberships costs twice as
much to plan as to run). For a list scoped to an area it can be a disaster: a plan fitted to no
community in particular walks a whole index for one whose cases fill a few pages. So connections
prepare nothing by default, and every statement is planned for its own values; the hot paths that
repeat key-shaped statements (the session's user, a report) run inside ``prepared_statements()``,
where psycopg prepares each statement on first use and reuses it for the connection's life.

Off on SQLite, and off with ``DATABASE_PREPARED_STATEMENTS=0`` (PgBouncer in transaction mode cannot
keep prepared statements): then the block runs as any other code.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def prepared_statements(using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    if not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        yield
        return
    connection.ensure_connection()
    psycopg_connection = connection.connection
    previous, psycopg_connection.prepare_threshold = psycopg_connection.prepare_threshold, 0
    try:
        yield
    finally:
        psycopg_connection.prepare_threshold = previous

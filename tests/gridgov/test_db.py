"""Prepared statements only inside ``prepared_statements()``: the hot paths' key lookups and inserts are
prepared on first use; everything else, lists above all, is planned for its own values every time."""

import pytest
from django.db import connection

from gridgov.db import prepared_statements
from grids.auth import ReachBackend
from tests.cases.conftest import report, rubbish  # noqa: F401  (rubbish: a fixture)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared(fragment) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if fragment in statement]


def _run(sql, times=1):
    for _ in range(times):
        with connection.cursor() as cursor:
            cursor.execute(sql, [1])


@postgresql_only
@pytest.mark.django_db
def test_it_prepares_nothing_outside_the_block():
    _run("SELECT %s AS outside_the_block", times=10)
    assert _prepared("outside_the_block") == []


@postgresql_only
@pytest.mark.django_db
def test_it_prepares_on_first_use_inside_the_block_and_restores_the_connection():
    with prepared_statements():
        _run("SELECT %s AS inside_the_block")
    assert len(_prepared("inside_the_block")) == 1
    _run("SELECT %s AS after_the_block", times=10)
    assert _prepared("after_the_block") == []


@postgresql_only
@pytest.mark.django_db
def test_it_restores_the_connection_when_the_block_fails():
    with pytest.raises(ZeroDivisionError), prepared_statements():
        raise ZeroDivisionError
    _run("SELECT %s AS after_a_failure", times=10)
    assert _prepared("after_a_failure") == []


@postgresql_only
@pytest.mark.django_db
def test_the_session_user_and_a_report_are_prepared(tree, rubbish):  # noqa: F811
    ReachBackend().get_user(tree.users["worker"].pk)
    report(tree, rubbish, actor=tree.users["worker"])
    assert _prepared('FROM "grids_user" u LEFT JOIN ("grids_membership"')  # the user with its reach
    assert _prepared('INSERT INTO "cases_case"') and _prepared('INSERT INTO "cases_caseevent"')


@pytest.mark.django_db
def test_it_is_a_plain_block_without_server_side_binding():
    """SQLite, or PostgreSQL with DATABASE_PREPARED_STATEMENTS off: the block only runs its body."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    binding = options.pop("server_side_binding", None)
    try:
        with prepared_statements():
            _run("SELECT %s")
    finally:
        if binding is not None:
            options["server_side_binding"] = binding

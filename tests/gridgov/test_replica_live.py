"""The replica router against a live streaming replica (issue 22 §4). ``.ci/run`` starts one on 127.0.0.1:5433
(deploy/replica/start-local.sh) and runs this module with ``DATABASE_REPLICA_URL`` pointing at it; without a
replica configured it is skipped, and with one configured that is not a hot standby it is skipped too, unless
``GRIDGOV_REPLICA_LIVE=required`` (CI), where it fails instead.

The test runner makes the ``replica`` alias a mirror of the primary's test database (settings: ``TEST
MIRROR``), so the ``standby`` fixture points the alias back at the standby, under the test database's name:
the primary's test database reaches the standby by replication like every other write. Each test commits its
data (transactional tests) and waits for the standby to replay the primary's WAL position before reading.
"""

import logging
import os
import socket
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, Category
from gridgov import replica as router_module
from gridgov.replica import REPLICA, ReplicaReadsMiddleware, replica_reads
from grids.models import Area
from tests.factories import report

pytestmark = [
    pytest.mark.skipif(REPLICA not in settings.DATABASES, reason="no DATABASE_REPLICA_URL"),
    # One worker: a test that pauses replay holds back every other test's wait for the standby.
    pytest.mark.xdist_group("replica"),
]
# Committed data, so that it replicates (each such test then costs a flush of every table: they are few).
# The replica alias is never inside a test's transaction either, so the fixture below may repoint it.
committed = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
REPLAY_TIMEOUT = 30  # seconds; replay here takes milliseconds (docs/scale.md), this is for a loaded machine


def primary_lsn():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def on_standby(sql, params=()):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def replayed(timeout=REPLAY_TIMEOUT):
    """Wait until the standby has replayed everything committed on the primary so far (its WAL position
    now), polling the standby's replay position; a connection refused meanwhile (the test database not
    replayed yet) is retried until the timeout."""
    lsn, deadline = primary_lsn(), time.monotonic() + timeout
    while True:
        try:
            if on_standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
                return
        except DatabaseError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            pytest.fail(f"the standby did not replay {lsn} in {timeout} s")
        time.sleep(0.01)


def not_live(reason):
    if os.environ.get("GRIDGOV_REPLICA_LIVE") == "required":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def standby(transactional_db):
    replica = connections[REPLICA]
    mirror = replica.settings_dict
    live = {**settings.DATABASES[REPLICA], "NAME": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]}
    replica.close()
    replica.settings_dict = live
    router_module.health.down_until = 0
    try:
        replayed()
        if not on_standby("SELECT pg_is_in_recovery()"):
            not_live("DATABASE_REPLICA_URL is not a hot standby (pg_is_in_recovery() is false)")
    except DatabaseError as error:
        not_live(f"DATABASE_REPLICA_URL does not answer: {error}")
    yield replica
    replica.close()
    replica.settings_dict = live  # a test may have pointed it elsewhere
    on_standby("SELECT pg_wal_replay_resume()")  # whatever a failed test left paused
    replica.close()
    replica.settings_dict = mirror
    router_module.health.down_until = 0


class replay_paused:  # a context manager read as a clause: ``with replay_paused():``
    """The standby stops applying WAL until the block ends: writes on the primary meanwhile are not on it."""

    def __enter__(self):
        replayed()
        on_standby("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + REPLAY_TIMEOUT
        while on_standby("SELECT pg_get_wal_replay_pause_state()") != "paused":  # asked is not yet paused
            assert time.monotonic() < deadline, "the standby did not pause its replay"
            time.sleep(0.01)

    def __exit__(self, *exc):
        on_standby("SELECT pg_wal_replay_resume()")


@pytest.fixture
def centre(tree, standby):
    client = Client()
    client.force_login(tree.users["centre"])
    return client


def month_total(client, tree):
    """The case-statistics page's total of this month's cases in the district (a REPLICA_READ_PATHS page)."""
    month = timezone.localtime().strftime("%Y-%m")
    response = client.get("/risk/cases/", {"area": tree.district.code, "month": month})
    assert response.status_code == 200
    return response.context["stats"]["total"]


def tables(queries):
    return " ".join(q["sql"] for q in queries)


@committed
def test_it_reads_the_report_pages_from_the_standby_and_the_rest_from_the_primary(tree, centre, standby):
    rubbish = Category.objects.get(code="01001")
    report(tree, rubbish)
    replayed()
    assert on_standby("SELECT pg_is_in_recovery()") is True
    with (
        CaptureQueriesContext(standby) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        assert month_total(centre, tree) == 1
        assessment = centre.get("/assessment/", {"month": timezone.localtime().strftime("%Y-%m")})
        assert assessment.status_code == 200
    read_there = tables(on_replica.captured_queries)
    assert '"cases_case"' in read_there and '"grids_area"' in read_there
    assert "WITH p AS" in read_there  # assessment/report.py's own SQL, not only the ORM's
    read_here = tables(on_primary.captured_queries)
    assert '"django_session"' in read_here and '"grids_membership"' in read_here  # who is asking: the primary
    assert '"cases_case"' not in read_here

    # Lag: a case committed while the standby does not replay is missing from the report, not from the case
    # page (the primary); once replayed, the report counts it.
    with replay_paused():
        case = report(tree, rubbish)
        assert month_total(centre, tree) == 1
        assert centre.get(f"/cases/{case.pk}/").status_code == 200
    replayed()
    assert month_total(centre, tree) == 2


@committed
def test_it_sends_writes_to_the_primary_and_reads_a_blocks_own_writes_back(tree, standby):
    grid = tree.grids[0]
    with replay_paused():
        # In code: a row read from the standby, changed and saved (a hot standby would refuse the UPDATE).
        with replica_reads():
            row = Area.objects.get(pk=grid.pk)
            assert row._state.db == REPLICA
            row.name = "网格一（改）"
            row.save(update_fields=["name"])
            assert Area.objects.get(pk=grid.pk).name == "网格一（改）"  # the block's own write, read back
        assert Area.objects.using(REPLICA).get(pk=grid.pk).name == grid.name  # not on the standby yet

        # In a request: a GET on a read path that writes, then reads what it wrote.
        seen = {}

        def view(request):
            seen["before"] = Area.objects.get(pk=grid.pk).name
            Area.objects.filter(pk=grid.pk).update(name="网格一（再改）")
            seen["after"] = Area.objects.get(pk=grid.pk).name
            return HttpResponse()

        ReplicaReadsMiddleware(view)(RequestFactory().get("/risk/cases/"))
        assert seen == {"before": grid.name, "after": "网格一（再改）"}  # before: the standby, still paused
    replayed()
    assert Area.objects.using(REPLICA).get(pk=grid.pk).name == "网格一（再改）"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@committed
def test_it_serves_the_reports_from_the_primary_while_the_replica_is_down(tree, centre, standby, caplog):
    report(tree, Category.objects.get(code="01001"))
    standby.close()
    standby.settings_dict = {**standby.settings_dict, "PORT": free_port()}  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="gridgov.replica"):
        assert month_total(centre, tree) == 1
        assert month_total(centre, tree) == 1
    warnings = [r for r in caplog.records if r.name == "gridgov.replica"]
    assert len(warnings) == 1  # asked once, then left alone for RETRY_SECONDS
    assert router_module.health.down_until > time.monotonic()
    with replica_reads():
        assert Case.objects.db == DEFAULT_DB_ALIAS

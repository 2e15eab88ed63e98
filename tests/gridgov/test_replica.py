"""The read-replica router (gridgov/replica.py): reads of report paths go to the replica, everything else and
every write to the primary, and logins never depend on the replica."""

from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from cases.models import Case
from gridgov import replica
from gridgov.replica import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from grids.models import Department, Membership, User

router = ReplicaRouter()


def with_replica(settings, monkeypatch):
    # A configured alias that answers (tests/gridgov/test_replica_live.py runs against a real standby).
    settings.DATABASES = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}
    monkeypatch.setattr(replica, "replica_answers", lambda: True)


def test_it_reads_from_the_primary_outside_a_replica_block(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_it_reads_cases_from_the_replica_inside_a_block_but_never_writes_there(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_it_keeps_sessions_users_and_their_memberships_on_the_primary(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    with replica_reads():
        for model in (Session, Token, User, Membership, Department.covered_areas.through):
            assert router.db_for_read(model) == DEFAULT_DB_ALIAS


def test_it_reads_from_the_primary_when_no_replica_is_configured(settings):
    settings.DATABASES = {k: v for k, v in settings.DATABASES.items() if k != REPLICA}
    with replica_reads():
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_it_never_migrates_the_replica():
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is True


def seen_by(settings, monkeypatch, method, path):
    settings.REPLICA_READ_PATHS = ["/assessment/", "/risk/screen/"]
    with_replica(settings, monkeypatch)
    seen = []

    def view(request):
        seen.append(router.db_for_read(Case))
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(view)
    middleware(getattr(RequestFactory(), method)(path))
    return seen[0]


def test_it_routes_only_the_report_paths_gets(settings, monkeypatch):
    assert seen_by(settings, monkeypatch, "get", "/assessment/report/") == REPLICA
    assert seen_by(settings, monkeypatch, "get", "/risk/screen/panel/counts/") == REPLICA
    assert seen_by(settings, monkeypatch, "post", "/assessment/stars/award/") == DEFAULT_DB_ALIAS
    assert seen_by(settings, monkeypatch, "get", "/cases/") == DEFAULT_DB_ALIAS


def test_it_reads_the_primary_for_the_rest_of_a_block_after_a_write(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    with replica_reads():  # the next block starts on the replica again
        assert router.db_for_read(Case) == REPLICA


def test_it_keeps_one_block_when_blocks_nest(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    with replica_reads():
        with replica_reads():
            router.db_for_write(Case)
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_it_reads_the_primary_when_the_replica_does_not_answer(settings, monkeypatch):
    with_replica(settings, monkeypatch)
    monkeypatch.setattr(replica, "replica_answers", lambda: False)
    with replica_reads():
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS

"""The read-replica router (gridgov/replica.py): reads of report paths go to the replica, everything else and
every write to the primary, and logins never depend on the replica."""

from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory

from cases.models import Case
from gridgov.replica import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from grids.models import User

router = ReplicaRouter()


def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}


def test_it_reads_from_the_primary_outside_a_replica_block(settings):
    with_replica(settings)
    assert router.db_for_read(Case) is None


def test_it_reads_cases_from_the_replica_inside_a_block_but_never_writes_there(settings):
    with_replica(settings)
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_write(Case) is None
    assert router.db_for_read(Case) is None


def test_it_keeps_sessions_and_users_on_the_primary(settings):
    with_replica(settings)
    with replica_reads():
        assert router.db_for_read(Session) is None
        assert router.db_for_read(User) is None


def test_it_reads_from_the_primary_when_no_replica_is_configured():
    with replica_reads():
        assert router.db_for_read(Case) is None


def test_it_never_migrates_the_replica():
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is True


def seen_by(settings, method, path):
    settings.REPLICA_READ_PATHS = ["/assessment/", "/risk/screen/"]
    with_replica(settings)
    seen = []

    def view(request):
        seen.append(router.db_for_read(Case))
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(view)
    middleware(getattr(RequestFactory(), method)(path))
    return seen[0]


def test_it_routes_only_the_report_paths_gets(settings):
    assert seen_by(settings, "get", "/assessment/report/") == REPLICA
    assert seen_by(settings, "get", "/risk/screen/panel/counts/") == REPLICA
    assert seen_by(settings, "post", "/assessment/stars/award/") is None
    assert seen_by(settings, "get", "/cases/") is None

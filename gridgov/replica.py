"""Reads of reports and the big screen from a read replica (issue 22 §4), through Django's documented
database-router API.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` alias and this router. Reads go to it only
inside ``replica_reads()``: the GET requests whose paths start with one of ``REPLICA_READ_PATHS`` (reports,
statistics, the big screen: pages that tolerate a second of replication lag) and whatever code opens the
block itself. Everything else, and every write, goes to the primary. Sessions, users and login rows are always
read from the primary, so a login is never refused because the replica has not seen it yet.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
ALWAYS_PRIMARY = {"sessions", "axes", "otp_totp", "otp_static"}

_reads_replica: ContextVar[bool] = ContextVar("gridgov_reads_replica", default=False)


@contextmanager
def replica_reads():
    token = _reads_replica.set(True)
    try:
        yield
    finally:
        _reads_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _reads_replica.get() or REPLICA not in settings.DATABASES:
            return None
        if model._meta.app_label in ALWAYS_PRIMARY or model._meta.label == settings.AUTH_USER_MODEL:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return None  # the primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "REPLICA_READ_PATHS", ()))

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and self.prefixes and request.path.startswith(self.prefixes):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)

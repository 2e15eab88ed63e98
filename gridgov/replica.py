"""Reads of reports and the big screen from a read replica (issue 22 §4), through Django's documented
database-router API.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` alias and this router. Reads go to it only
inside ``replica_reads()``: the GET requests whose paths start with one of ``REPLICA_READ_PATHS`` (reports,
statistics, the big screen: pages that tolerate a second of replication lag) and whatever code opens the
block itself. Everything else, and every write, goes to the primary. Sessions, users and login rows are always
read from the primary, so a login is never refused because the replica has not seen it yet; so are the
memberships a user's reach is computed from, so a role just withdrawn never opens a report a moment longer.

What a block promises:
* **Its own writes read back.** After the block's first write (a save, an update, a ``select_for_update``)
  its remaining reads go to the primary, which has the write; the replica may not have it yet.
* **Writes never reach the replica**, even for a row read from it (Django would otherwise send the save of
  a row to the database it came from, and a hot standby refuses it).
* **A replica that does not answer is not an error.** The block then reads from the primary and says so in
  the log once per ``RETRY_SECONDS``; the replica is asked again after that.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
ALWAYS_PRIMARY = {"sessions", "authtoken", "axes", "otp_totp", "otp_static"}  # apps: who is asking
PRIMARY_MODELS = {"grids.Membership", "grids.Department_covered_areas"}  # who may see what (grids.scope)
# After a refused connection the primary serves the replica's reads this long before the replica is tried
# again: a replica host that is down costs one connection attempt per process in that time, not one a request.
RETRY_SECONDS = 10

log = logging.getLogger(__name__)


@dataclass
class Block:
    wrote: bool = False


@dataclass
class Health:
    down_until: float = 0.0  # time.monotonic() before which the replica is not tried


health = Health()
_block: ContextVar[Block | None] = ContextVar("gridgov_replica_block", default=None)


def replica_answers() -> bool:
    """Whether the replica is configured and takes a connection (a kept connection is health-checked first,
    as Django does before a request's first query: that check is then not repeated)."""
    if REPLICA not in settings.DATABASES or time.monotonic() < health.down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError:
        health.down_until = time.monotonic() + RETRY_SECONDS
        log.warning("replica: no connection, reads go to the primary for %s s", RETRY_SECONDS, exc_info=True)
        return False
    return True


@contextmanager
def replica_reads() -> Iterator[None]:
    if _block.get() is not None or not replica_answers():  # inside a block already, or no replica to read
        yield
        return
    token = _block.set(Block())
    try:
        yield
    finally:
        _block.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        block = _block.get()
        if block is None or block.wrote:
            return DEFAULT_DB_ALIAS
        label = model._meta.label
        if model._meta.app_label in ALWAYS_PRIMARY or label in {*PRIMARY_MODELS, settings.AUTH_USER_MODEL}:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        block = _block.get()
        if block is not None:
            block.wrote = True  # read your own writes: the rest of the block reads the primary
        return DEFAULT_DB_ALIAS  # named, not None: None would send a row read from the replica back there

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

"""The case-event audit: hourly signed checkpoints of every chain head, and the full check.

A checkpoint is a SHA-256 digest over every case's head ``(case id, last seq, last hash)`` in id order,
signed with the audit key (HMAC) and written to the append-only ``AuditCheckpoint`` table and to the log.
Heads only move forward and events never change, so the head each case had at a checkpoint is its last
event with an id up to the checkpoint's ``last_event_id``; ``breaks`` rebuilds that digest from the events
and compares. A deleted tail, a chain rebuilt without the key or with the plain scheme, or tables rolled
back together then differ from the last signed checkpoint (and the log keeps it even if the table is
rolled back too).

Kinds of break, each named by case and event: ``edited`` (content no longer matches its hash),
``missing`` (a gap in the numbering), ``deleted_tail`` (the case row's head is ahead of its last event),
``inserted`` (an event after the case row's head), ``repeated`` (a second event with its predecessor's
number: on PostgreSQL the events are partitioned by month and the unique number holds within a month
only), ``unlinked`` (a photo naming an event that does not exist: no foreign key holds that either),
``replayed`` (an event whose hash belongs to another
case's event), ``rehashed`` (a hash made without the key: the plain scheme over keyed events, or a head
that is not the last event's hash), ``unknown_key`` (a key id the settings do not hold) and
``checkpoint`` (the heads as of the last checkpoint do not give its signed digest, a head moved back, or a
checkpoint's signature does not match).

Both the digest and the check read in chunks, in one snapshot on PostgreSQL (repeatable read), so a
million cases take seconds and writers running meanwhile do not show as breaks. A checkpoint's
``last_event_id`` is a settled mark (``_settled_mark``): no event at or below it can commit later, so the
verifier's "events up to the mark" are exactly the ones the checkpoint saw, however the writers' commits
interleave with it.
"""

import contextlib
import datetime
import hashlib
import logging
import time
from dataclasses import dataclass
from itertools import groupby

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from gridgov import audit_hash

from .events import GENESIS, LEGACY_KEY_ID, event_content, event_hash, legacy_hash
from .models import Attachment, AuditCheckpoint, Case, CaseEvent

log = logging.getLogger(__name__)

CHUNK = 20000


@dataclass(frozen=True)
class Break:
    kind: str
    case_number: str | None
    seq: int | None
    event_id: int | None
    detail: str

    def __str__(self):
        where = f"Case {self.case_number}" if self.case_number else "Checkpoint"
        event = f" event #{self.seq}" if self.seq is not None else ""
        row = f" (id {self.event_id})" if self.event_id is not None else ""
        return f"{where}{event}{row}: {self.kind}: {self.detail}"


@contextlib.contextmanager
def _snapshot():
    """One consistent view of the tables for a whole pass (PostgreSQL; SQLite has one writer anyway).
    Inside a caller's transaction (a test) the level is the caller's: it can only be set first."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _case_heads():
    """(case id, seq, hash) of every case with events, in id order, a chunk per query (keyset)."""
    after = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=after, last_event_seq__gt=0)
            .order_by("pk")
            .values_list("pk", "last_event_seq", "last_event_hash")[:CHUNK]
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


class _Digest:
    def __init__(self):
        self.sha, self.count = hashlib.sha256(), 0

    def add(self, case_id, seq, digest):
        self.sha.update(f"{case_id}:{seq}:{digest}\n".encode())
        self.count += 1


def _signature(key_id, created_at, cases, last_event_id, digest) -> str:
    return audit_hash.keyed_hash(
        key_id, b"checkpoint", created_at.isoformat(), str(cases), str(last_event_id), digest
    )


class CheckpointBusy(Exception):
    """Event writers held the events table through every try: no checkpoint this time (the next one comes)."""


MARK_TRIES = 25
MARK_WAIT = "200ms"  # the longest a new event writer waits behind the checkpoint's mark, once an hour


def _settled_mark() -> int:
    """The highest event id below which every event is settled: committed (or rolled back) for good.

    An event takes its id on insert and shows on commit, so "the highest id I can see" may stand above an
    id whose transaction is still open; a checkpoint that claimed "events up to id N" would then lack an
    event the verifier later counts. On PostgreSQL the mark is read under a SHARE lock of the events table:
    it waits for every open transaction that has inserted events (an insert holds ROW EXCLUSIVE from
    before its id is drawn until it ends) and lets no new one in, so no id at or below the mark can show
    later; ids drawn afterwards are above it (sequences only go up). The lock is held for one index read;
    while it waits, new writers wait behind it, so each try gives up after ``MARK_WAIT`` and the next
    tries again. On SQLite one writer at a time draws and commits its ids before the next may start, so
    the highest committed id already is settled."""
    if connection.vendor != "postgresql":
        return CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    for attempt in range(MARK_TRIES):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                    [MARK_WAIT],
                )
                before = cursor.fetchone()[0]
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                mark = cursor.fetchone()[0]
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
                return mark
        except OperationalError as exc:  # lock_timeout: a writer still holds the table
            if getattr(exc.__cause__, "sqlstate", None) != "55P03":
                raise
            log.info("case-event checkpoint: writers hold the events table (try %s)", attempt + 1)
            time.sleep(0.2)
    raise CheckpointBusy(f"event writers held the events table through {MARK_TRIES} tries")


def _heads_at(case_ids, mark) -> dict:
    """Case id → (seq, hash) of each case's last event with an id up to ``mark`` (what the verifier
    rebuilds), for the few cases written between the mark and the snapshot."""
    heads = {}
    events = CaseEvent.objects.filter(case_id__in=case_ids, pk__lte=mark).order_by("case_id", "seq")
    for case_id, seq, digest in events.values_list("case_id", "seq", "hash"):
        heads[case_id] = (seq, digest)
    return heads


def checkpoint_write(now=None) -> AuditCheckpoint:
    """Sign every case's head as of a settled mark: one row in ``AuditCheckpoint`` and one line in the log.

    The heads are read from the case rows in one snapshot taken after the mark; cases with events above
    the mark in it (written in between) count with their last event up to the mark instead, so the digest
    covers exactly the events up to ``last_event_id``: what ``breaks`` rebuilds. ``CheckpointBusy`` if
    writers held the events table through every try."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    last_event_id = _settled_mark()
    with _snapshot():
        later = set(CaseEvent.objects.filter(pk__gt=last_event_id).values_list("case_id", flat=True))
        at_mark = _heads_at(later, last_event_id) if later else {}
        digest = _Digest()
        for case_id, seq, head in _case_heads():
            if case_id not in later:
                digest.add(case_id, seq, head)
            elif case_id in at_mark:
                digest.add(case_id, *at_mark[case_id])
    key_id = audit_hash.current_key_id()
    checkpoint = AuditCheckpoint.objects.create(
        created_at=now,
        cases=digest.count,
        last_event_id=last_event_id,
        digest=digest.sha.hexdigest(),
        key_id=key_id,
        signature=_signature(key_id, now, digest.count, last_event_id, digest.sha.hexdigest()),
    )
    log.info(
        "case-event checkpoint %s at %s: %s cases, events up to id %s, digest %s, key %s, signature %s",
        checkpoint.pk,
        now.isoformat(),
        checkpoint.cases,
        last_event_id,
        checkpoint.digest,
        key_id,
        checkpoint.signature,
    )
    return checkpoint


def _events():
    """Every event in (case, seq) order, a chunk per query (keyset on the unique (case, seq))."""
    after = (0, 0)
    while True:
        rows = list(
            CaseEvent.objects.filter(case_id__gte=after[0])
            .exclude(case_id=after[0], seq__lte=after[1])
            .order_by("case_id", "seq")[:CHUNK]
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        after = (rows[-1].case_id, rows[-1].seq)


def _cases(case_number):
    after = 0
    cases = Case.objects.order_by("pk")
    if case_number:
        cases = cases.filter(number=case_number)
    while True:
        rows = list(
            cases.filter(pk__gt=after).values_list("pk", "number", "last_event_seq", "last_event_hash")[
                :CHUNK
            ]
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


def breaks(case_number=None) -> list[Break]:
    """Every break of every case (or of one case), then what the last checkpoint says; [] when clean."""
    with _snapshot():
        checkpoint = AuditCheckpoint.objects.order_by("-id").first()
        found, suspects, rebuilt = [], {}, _Digest()
        events = groupby(
            _events()
            if not case_number
            else CaseEvent.objects.filter(case__number=case_number).order_by("seq"),
            key=lambda e: e.case_id,
        )
        current = next(events, None)
        for case_id, number, head_seq, head_hash in _cases(case_number):
            while current is not None and current[0] < case_id:  # events of no case: impossible (PROTECT)
                current = next(events, None)
            chain = list(current[1]) if current is not None and current[0] == case_id else []
            found += _case_breaks(number, chain, head_seq, head_hash, suspects)
            if checkpoint is not None:
                then = [e for e in chain if e.pk <= checkpoint.last_event_id]
                if then:
                    rebuilt.add(case_id, then[-1].seq, then[-1].hash)
                    if head_seq < then[-1].seq:
                        found.append(
                            Break(
                                "checkpoint",
                                number,
                                then[-1].seq,
                                then[-1].pk,
                                f"the head moved back to #{head_seq} after checkpoint {checkpoint.pk}",
                            )
                        )
        found = _replays(found, suspects)
        found += _unlinked_photos(case_number)
        found += _checkpoint_breaks(checkpoint, rebuilt if not case_number else None)
    return found


def _case_breaks(number, chain, head_seq, head_hash, suspects) -> list[Break]:
    found = []
    prev, expected_seq, keyed = GENESIS, 1, False
    for event in chain:

        def brk(kind, detail, event=event):
            return Break(kind, number, event.seq, event.pk, detail)

        if event.seq == expected_seq - 1 and expected_seq > 1:
            found.append(brk("repeated", f"a second event #{event.seq} in the case"))
            continue
        if event.seq > head_seq:
            found.append(brk("inserted", f"after the case's head #{head_seq}"))
        if event.seq != expected_seq:
            first, last = expected_seq, event.seq - 1
            gone = f"#{first}" if first == last else f"#{first}..#{last}"
            found.append(brk("missing", f"event(s) {gone} before it are gone"))
        elif not audit_hash.same(event.prev_hash, prev):
            found.append(brk("edited", "does not point at its predecessor's hash"))
        content = event_content(event)
        try:
            expected = event_hash(event.key_id, event.prev_hash, **content)
        except audit_hash.UnknownKey:
            found.append(brk("unknown_key", f"key id {event.key_id!r} is not configured"))
        else:
            if not audit_hash.same(expected, event.hash):
                if event.key_id != LEGACY_KEY_ID and audit_hash.same(
                    legacy_hash(event.prev_hash, **content), event.hash
                ):
                    found.append(brk("rehashed", f"hashed without the key {event.key_id!r} (plain SHA-256)"))
                else:
                    suspects[event.pk] = event
                    found.append(brk("edited", "its content does not match its hash"))
            elif keyed and event.key_id == LEGACY_KEY_ID:
                found.append(brk("rehashed", "a plain SHA-256 event after keyed ones"))
        keyed = keyed or event.key_id != LEGACY_KEY_ID
        prev, expected_seq = event.hash, event.seq + 1
    last_seq = chain[-1].seq if chain else 0
    last_hash = chain[-1].hash if chain else ""
    if head_seq > last_seq:
        found.append(
            Break(
                "deleted_tail",
                number,
                head_seq,
                None,
                f"the case's head is #{head_seq}, its events end at #{last_seq}",
            )
        )
    elif head_seq == last_seq and not audit_hash.same(head_hash, last_hash):
        found.append(
            Break(
                "rehashed",
                number,
                head_seq,
                chain[-1].pk if chain else None,
                "not the event the case's head holds",
            )
        )
    return found


def _unlinked_photos(case_number) -> list[Break]:
    """Photos naming an event that does not exist (the database holds no foreign key to the partitioned
    events): one anti-join, next to reading every event."""
    photos = Attachment.objects.filter(event__isnull=False).exclude(
        Exists(CaseEvent.objects.filter(pk=OuterRef("event_id")))  # an anti-join; NOT IN would not be
    )
    if case_number:
        photos = photos.filter(case__number=case_number)
    return [
        Break("unlinked", number, None, event_id, f"photo {pk} names event id {event_id}, which is gone")
        for pk, number, event_id in photos.values_list("pk", "case__number", "event_id").order_by("pk")
    ]


def _replays(found, suspects) -> list[Break]:
    """Edited events whose hash is another case's event's: copied from that case, so say so."""
    if not suspects:
        return found
    originals = {}
    for digest, number in (
        CaseEvent.objects.filter(hash__in=[e.hash for e in suspects.values()])
        .exclude(pk__in=list(suspects))
        .values_list("hash", "case__number")
    ):
        originals[digest] = number
    by_pk = {e.pk: e for e in suspects.values()}
    result = []
    for b in found:
        event = by_pk.get(b.event_id)
        if b.kind == "edited" and event is not None and event.hash in originals:
            b = Break(
                "replayed", b.case_number, b.seq, b.event_id, f"replayed from case {originals[event.hash]}"
            )
        result.append(b)
    return result


def _checkpoint_breaks(checkpoint, rebuilt) -> list[Break]:
    found = []
    for cp in AuditCheckpoint.objects.order_by("id").iterator():
        try:
            signed = audit_hash.same(
                _signature(cp.key_id, cp.created_at, cp.cases, cp.last_event_id, cp.digest), cp.signature
            )
        except audit_hash.UnknownKey:
            found.append(Break("unknown_key", None, None, None, f"checkpoint {cp.pk}: key id {cp.key_id!r}"))
            continue
        if not signed:
            found.append(
                Break("checkpoint", None, None, None, f"checkpoint {cp.pk}: its signature does not match")
            )
    unchanged = (
        rebuilt is None
        or checkpoint is None
        or (rebuilt.count, rebuilt.sha.hexdigest())
        == (
            checkpoint.cases,
            checkpoint.digest,
        )
    )
    if not unchanged:
        found.append(
            Break(
                "checkpoint",
                None,
                None,
                None,
                f"checkpoint {checkpoint.pk} of {checkpoint.created_at.isoformat()} signed "
                f"{checkpoint.cases} "
                f"heads; the events as of then give {rebuilt.count} heads and another digest",
            )
        )
    return found

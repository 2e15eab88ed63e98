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
``inserted`` (an event after the case row's head), ``replayed`` (an event whose hash belongs to another
case's event), ``rehashed`` (a hash made without the key: the plain scheme over keyed events, or a head
that is not the last event's hash), ``unknown_key`` (a key id the settings do not hold) and
``checkpoint`` (the heads as of the last checkpoint do not give its signed digest, a head moved back, or a
checkpoint's signature does not match).

Both the digest and the check read in chunks, in one snapshot on PostgreSQL (repeatable read), so a
million cases take seconds and writers running meanwhile do not show as breaks.
"""

import contextlib
import datetime
import hashlib
import logging
from dataclasses import dataclass
from itertools import groupby

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from gridgov import audit_hash

from .events import GENESIS, LEGACY_KEY_ID, event_content, event_hash, legacy_hash
from .models import AuditCheckpoint, Case, CaseEvent

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


def checkpoint_write(now=None) -> AuditCheckpoint:
    """Sign every case's head now: one row in ``AuditCheckpoint`` and one line in the log."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    with _snapshot():
        last_event_id = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        digest = _Digest()
        for head in _case_heads():
            digest.add(*head)
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
        found += _checkpoint_breaks(checkpoint, rebuilt if not case_number else None)
    return found


def _case_breaks(number, chain, head_seq, head_hash, suspects) -> list[Break]:
    found = []
    prev, expected_seq, keyed = GENESIS, 1, False
    for event in chain:

        def brk(kind, detail, event=event):
            return Break(kind, number, event.seq, event.pk, detail)

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

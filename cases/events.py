"""The audit trail: append-only, keyed hash-chained ``CaseEvent`` rows, and the chain check.

Each event's hash is an HMAC-SHA256 (``gridgov.audit_hash``, key kept in the settings, never in the
database) over its case, place, predecessor's hash and content, and records the id of the key that made it,
so keys rotate without re-hashing. Events written before the chain was keyed carry key id ``"sha256"`` and
verify under the plain SHA-256 scheme they were written with (not re-keyed: their hashes are what the
checkpoints and any copies outside already hold); once a case has a keyed event, a plain one after it is a
break. Each case's head (last seq and hash) is kept on its row and moved in the same transaction as the
insert, and signed hourly in ``AuditCheckpoint`` (``cases.audit``), so a deleted last event or a chain
rebuilt with the plain scheme shows too.

The one writer: every case event (services, the sweep, the demo generator, any app that writes to a case's
timeline) is an ``EventDraft`` linked by ``events_chain``; ``event_append`` writes one, ``events_append``
a batch over many cases with one query for the chain heads, one insert and one update of the heads.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from gridgov import audit_hash

from .models import Case, CaseEvent

GENESIS = "0" * 64
LEGACY_KEY_ID = "sha256"  # events from before the keyed chain: plain SHA-256, verified as written
CHAIN = "case-events"


def _content(case_id, seq, kind, actor_id, from_status, to_status, comment, payload, created_at) -> str:
    return json.dumps(
        [case_id, seq, kind, actor_id, from_status, to_status, comment, payload, created_at.isoformat()],
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def legacy_hash(prev_hash: str, **content) -> str:
    """The plain SHA-256 scheme of the events written before the chain was keyed."""
    return hashlib.sha256((prev_hash + _content(**content)).encode()).hexdigest()


def event_hash(key_id: str, prev_hash: str, **content) -> str:
    """The event's hash under ``key_id`` (``audit_hash.UnknownKey`` if the settings do not hold it)."""
    if key_id == LEGACY_KEY_ID:
        return legacy_hash(prev_hash, **content)
    seq = content.pop("seq")
    return audit_hash.link_hash(key_id, CHAIN, seq, prev_hash, content)


def event_content(event) -> dict:
    """What an event's hash covers, read from the event."""
    return dict(
        case_id=event.case_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        from_status=event.from_status,
        to_status=event.to_status,
        comment=event.comment,
        payload=event.payload,
        created_at=event.created_at,
    )


def _normalise(payload):
    # Store exactly what the hash covered: JSON round-trip turns Decimals, dates and UUIDs into strings.
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


@dataclass(frozen=True)
class EventDraft:
    """One event's content before it joins its case's chain (the transition core returns one)."""

    case_id: int
    kind: str
    at: datetime.datetime
    actor_id: int | None = None
    from_status: str = ""
    to_status: str = ""
    comment: str = ""
    payload: dict = field(default_factory=dict)


def events_chain(drafts, heads: dict) -> list[CaseEvent]:
    """The unsaved events for ``drafts``, each linked to its case's chain. ``heads`` maps case id →
    (last seq, last hash) and is moved on in place (a case missing from it starts a new chain), so a caller
    that keeps the heads itself (the demo generator) needs no query at all."""
    events = []
    key_id = audit_hash.current_key_id()
    for draft in drafts:
        seq, prev = heads.get(draft.case_id, (0, GENESIS))
        at = draft.at.astimezone(datetime.UTC)  # hashed as stored: UTC
        content = dict(
            case_id=draft.case_id,
            seq=seq + 1,
            kind=draft.kind,
            actor_id=draft.actor_id,
            from_status=draft.from_status or "",
            to_status=draft.to_status or "",
            comment=draft.comment or "",
            payload=_normalise(draft.payload),
            created_at=at,
        )
        event = CaseEvent(**content, prev_hash=prev, key_id=key_id, hash=event_hash(key_id, prev, **content))
        heads[draft.case_id] = (event.seq, event.hash)
        events.append(event)
    return events


def chain_heads(case_ids) -> dict:
    """Case id → (seq, hash) of each case's last event, read from the case rows in one query."""
    rows = Case.objects.filter(pk__in=set(case_ids), last_event_seq__gt=0)
    return {
        pk: (seq, digest) for pk, seq, digest in rows.values_list("pk", "last_event_seq", "last_event_hash")
    }


def heads_update(heads: dict) -> None:
    """Move the heads (case id → (seq, hash)) on the case rows (the caller holds the locks and has just
    inserted the events). One case: its values. Many: one UPDATE that reads each case's last event by the
    (case, seq) index — a CASE with a branch per case would grow with the square of the batch."""
    if not heads:
        return
    if len(heads) == 1:
        ((pk, (seq, digest)),) = heads.items()
        Case.objects.filter(pk=pk).update(last_event_seq=seq, last_event_hash=digest)
        return
    heads_move(heads)


def heads_move(case_ids) -> None:
    """Set each case's head to its last stored event, set-based (after a batch insert, under the locks)."""
    last = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-seq")
    Case.objects.filter(pk__in=list(case_ids)).update(
        last_event_seq=Subquery(last.values("seq")[:1]), last_event_hash=Subquery(last.values("hash")[:1])
    )


def events_append(drafts, *, first=False, case=None) -> list[CaseEvent]:
    """Append events for one or many cases in one insert and move their heads on the case rows. The caller
    holds every case's row lock, so the heads are stable. ``first``: the cases were created in this
    transaction (no lookup). ``case``: the caller's instance of the (one) case, given the new head too, so
    a later ``save()`` of it keeps the head."""
    drafts = list(drafts)
    if not drafts:
        return []
    heads = {} if first else chain_heads(d.case_id for d in drafts)
    events = events_chain(drafts, heads)
    if len(events) == 1:  # one row (a service's event): the model's own INSERT
        events[0].save()
    else:
        events = CaseEvent.objects.bulk_create(events)
    moved = {e.case_id: heads[e.case_id] for e in events}
    heads_update(moved)
    if case is not None and case.pk in moved:
        case.last_event_seq, case.last_event_hash = moved[case.pk]
    return events


def events_write(events) -> list[CaseEvent]:
    """Insert events from ``events_chain`` (heads the caller read under the locks) and move those heads on
    the case rows, in the caller's transaction."""
    events = CaseEvent.objects.bulk_create(events)
    heads_move({e.case_id for e in events})
    return events


def event_append(
    *, case, kind, actor=None, from_status="", to_status="", comment="", payload=None, at=None, first=False
):
    """Append one event to one case's chain (``events_append`` for a single draft)."""
    draft = EventDraft(
        case_id=case.pk,
        kind=kind,
        at=at or timezone.now(),
        actor_id=getattr(actor, "pk", None),
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        payload=payload or {},
    )
    return events_append([draft], first=first, case=case)[0]


def verify_chain(events) -> CaseEvent | None:
    """The first event whose place, link, key or content does not match, for one case's events in seq order
    (``cases.audit`` names every break of every kind)."""
    prev, expected_seq, keyed = GENESIS, 1, False
    for event in events:
        try:
            expected = event_hash(event.key_id, prev, **event_content(event))
        except audit_hash.UnknownKey:
            return event
        legacy_after_keyed = keyed and event.key_id == LEGACY_KEY_ID
        if (
            event.seq != expected_seq
            or event.prev_hash != prev
            or event.hash != expected
            or legacy_after_keyed
        ):
            return event
        prev, expected_seq, keyed = event.hash, expected_seq + 1, keyed or event.key_id != LEGACY_KEY_ID
    return None

"""The audit trail: append-only, hash-chained ``CaseEvent`` rows, and the chain check.

Each event's hash covers its predecessor's hash and its own content, so editing or deleting any row
(outside the ORM, which refuses) breaks the chain from that row on; ``verify_chain`` names the first
broken link.

The one writer: every case event (services, the sweep, the demo generator, any app that writes to a case's
timeline) is an ``EventDraft`` linked by ``events_chain``; ``event_append`` writes one, ``events_append``
a batch over many cases with one query for the chain heads and one insert.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .models import CaseEvent

GENESIS = "0" * 64


def _content(case_id, seq, kind, actor_id, from_status, to_status, comment, payload, created_at) -> str:
    return json.dumps(
        [case_id, seq, kind, actor_id, from_status, to_status, comment, payload, created_at.isoformat()],
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def event_hash(prev_hash: str, **content) -> str:
    return hashlib.sha256((prev_hash + _content(**content)).encode()).hexdigest()


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
        event = CaseEvent(**content, prev_hash=prev, hash=event_hash(prev, **content))
        heads[draft.case_id] = (event.seq, event.hash)
        events.append(event)
    return events


def chain_heads(case_ids) -> dict:
    """Case id → (seq, hash) of each case's last event, in one query."""
    case_ids = list(set(case_ids))
    if len(case_ids) == 1:
        last = (
            CaseEvent.objects.filter(case_id=case_ids[0]).order_by("-seq").values_list("seq", "hash").first()
        )
        return {case_ids[0]: last} if last else {}
    last_seq = CaseEvent.objects.filter(case_id=OuterRef("case_id")).order_by("-seq").values("seq")[:1]
    rows = CaseEvent.objects.filter(case_id__in=case_ids, seq=Subquery(last_seq))
    return {case_id: (seq, digest) for case_id, seq, digest in rows.values_list("case_id", "seq", "hash")}


def events_append(drafts, *, first=False) -> list[CaseEvent]:
    """Append events for one or many cases in one insert. The caller holds every case's row lock, so the
    chain heads are stable. ``first``: the cases were created in this transaction (no lookup)."""
    drafts = list(drafts)
    if not drafts:
        return []
    heads = {} if first else chain_heads(d.case_id for d in drafts)
    events = events_chain(drafts, heads)
    if len(events) == 1:  # one row (a service's event): the model's own INSERT
        events[0].save()
        return events
    return CaseEvent.objects.bulk_create(events)


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
    return events_append([draft], first=first)[0]


def verify_chain(events) -> CaseEvent | None:
    """The first event whose link or content does not match, for one case's events in seq order."""
    prev, expected_seq = GENESIS, 1
    for event in events:
        content = dict(
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
        if event.seq != expected_seq or event.prev_hash != prev or event.hash != event_hash(prev, **content):
            return event
        prev, expected_seq = event.hash, expected_seq + 1
    return None

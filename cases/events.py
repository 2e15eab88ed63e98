"""The audit trail: append-only, hash-chained ``CaseEvent`` rows, and the chain check.

Each event's hash covers its predecessor's hash and its own content, so editing or deleting any row
(outside the ORM, which refuses) breaks the chain from that row on; ``verify_chain`` names the first
broken link.
"""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
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


def event_append(
    *, case, kind, actor=None, from_status="", to_status="", comment="", payload=None, at=None, first=False
):
    """Append one event. The caller holds the case row lock, so seq and the predecessor are stable.
    ``first``: the case was created in this transaction, so the chain starts here (no lookup)."""
    last = (
        None
        if first
        else (CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").values_list("seq", "hash").first())
    )
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = (at or timezone.now()).astimezone(datetime.UTC)  # hashed as stored: UTC
    content = dict(
        case_id=case.pk,
        seq=seq,
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        from_status=from_status or "",
        to_status=to_status or "",
        comment=comment or "",
        payload=_normalise(payload),
        created_at=at,
    )
    return CaseEvent.objects.create(
        case_id=case.pk,
        seq=seq,
        kind=kind,
        actor_id=content["actor_id"],
        from_status=content["from_status"],
        to_status=content["to_status"],
        comment=content["comment"],
        payload=content["payload"],
        created_at=at,
        prev_hash=prev,
        hash=event_hash(prev, **content),
    )


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

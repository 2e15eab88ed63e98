"""Timeline events for many cases at once, on the same hash chain ``cases.events.event_append`` keeps.

The sweep writes one event per claimed case; appending them one by one would cost two queries a case.
Here the predecessors of a whole batch are read in one query and the events written in one insert. The
caller holds every case's row lock (the claim's UPDATE took it), so no other writer can interleave.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Subquery

from cases.events import GENESIS, event_hash
from cases.models import CaseEvent


def _normalise(payload):
    # Exactly what cases.events stores: the JSON round-trip the hash covered.
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def events_append(entries, *, at) -> list[CaseEvent]:
    """``entries``: dicts with case_id, kind, status, comment, payload (one per case). Returns the events."""
    if not entries:
        return []
    at = at.astimezone(datetime.UTC)
    ids = [e["case_id"] for e in entries]
    last_seq = CaseEvent.objects.filter(case_id=OuterRef("case_id")).order_by("-seq").values("seq")[:1]
    heads = {
        case_id: (seq, digest)
        for case_id, seq, digest in CaseEvent.objects.filter(
            case_id__in=ids, seq=Subquery(last_seq)
        ).values_list("case_id", "seq", "hash")
    }
    events = []
    for entry in entries:
        seq, prev = heads.get(entry["case_id"], (0, GENESIS))
        content = dict(
            case_id=entry["case_id"],
            seq=seq + 1,
            kind=entry["kind"],
            actor_id=None,
            from_status=entry["status"],
            to_status=entry["status"],
            comment=entry.get("comment", ""),
            payload=_normalise(entry.get("payload")),
            created_at=at,
        )
        events.append(
            CaseEvent(
                case_id=content["case_id"],
                seq=content["seq"],
                kind=content["kind"],
                actor_id=None,
                from_status=content["from_status"],
                to_status=content["to_status"],
                comment=content["comment"],
                payload=content["payload"],
                created_at=at,
                prev_hash=prev,
                hash=event_hash(prev, **content),
            )
        )
        heads[entry["case_id"]] = (seq + 1, events[-1].hash)
    return CaseEvent.objects.bulk_create(events)

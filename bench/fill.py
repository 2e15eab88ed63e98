"""The benchmarks' case fill: resumable, committed in batches, rows streamed with ``COPY``.

Two phases, both topping the table up to a target (so a stopped fill keeps what it committed, and a later
run with ``--reuse`` continues from there):

* **Stories** (the first ``stories`` cases, 5,000 by default): the demo generator (``cases.demo``: plans
  replayed through the transition core, the one event writer, photos generated once and stored once)
  writes them, ``batch`` cases per transaction. Their ids go in the table ``bench_story``: the pool the
  second phase copies from.
* **Copies** (the rest): each batch copies pool stories in turn under fresh ids, numbers (the per-street
  counters moved on) and public ids, with their events re-chained for the new case ids (hashes valid:
  ``verify_chain`` is checked on a sample at the end) and their attachments pointing at the same stored
  photos. One transaction per batch, each table streamed with psycopg's ``cursor.copy``. The replay costs
  a query or two per step (permissions, conditions); a copy costs none, which is what makes a million
  cases a matter of minutes.
"""

import hashlib
import json
import time

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from cases import demo
from cases.events import GENESIS, event_hash, verify_chain
from cases.models import Attachment, Case, CaseEvent, CaseNumberCounter, new_public_id
from grids.models import CODE_LENGTH, Level

POOL_TABLE = "bench_story"


def fill(district, target: int, *, months=24, seed=2024, stories=5000, batch=20_000, log=print) -> dict:
    """Top ``cases_case`` up to ``target`` cases (PostgreSQL). Returns what this call wrote and how fast."""
    started = time.monotonic()
    have = Case.objects.count()
    written = {"cases": 0, "events": 0, "attachments": 0}
    if have >= target:
        return {**written, "seconds": 0.0, "rate": 0.0}
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {POOL_TABLE} (case_id bigint PRIMARY KEY)")
        cursor.execute(f"SELECT count(*) FROM {POOL_TABLE}")
        pooled = cursor.fetchone()[0]
    now = timezone.now().replace(microsecond=0)
    if pooled < stories:
        cast = demo.cast_for(district)
        photos = demo.stock_photos(seed)
        while pooled < stories and have < target:
            count = min(stories - pooled, target - have, max(1000, batch // 10))
            done = _write_stories(
                cast, photos, count, seed=seed + pooled, months=months, now=now, forced=pooled == 0
            )
            pooled, have = pooled + done["cases"], have + done["cases"]
            _add(written, done)
            _progress(log, "stories", have, target, written, started)
    if have < target:
        pool = Pool.load()
        while have < target:
            done = pool.write(min(batch, target - have), start=have)
            have += done["cases"]
            _add(written, done)
            _progress(log, "copies", have, target, written, started)
        pool.check()
    seconds = time.monotonic() - started
    return {**written, "seconds": seconds, "rate": written["cases"] / seconds}


def _add(total, done):
    for key in total:
        total[key] += done[key]


def _progress(log, phase, have, target, written, started):
    elapsed = time.monotonic() - started
    log(
        f"  fill: {have:>9,} of {target:,} cases ({phase}); this run {written['cases']:,} cases, "
        f"{written['events']:,} events, {written['attachments']:,} photos in {elapsed:.0f} s "
        f"({written['cases'] / elapsed:,.0f} cases/s)",
        flush=True,
    )


def _lock(cursor):
    # Ids are handed out here, from the tables' maxima: keep other writers out until the batch commits.
    cursor.execute("LOCK TABLE cases_case, cases_caseevent, cases_attachment IN EXCLUSIVE MODE")


def _write_stories(cast, photos, count, *, seed, months, now, forced) -> dict:
    """``count`` cases from the demo generator, one transaction; their ids join the pool."""
    ids = []
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        writer = demo.CaseWriter(photos)
        plans = demo.plan_cases(cast, seed=seed, count=count, now=now, months=months, forced=forced)
        for plan in plans:
            ids.append(writer.replay(plan).pk)
            if len(writer.cases) >= 1000:
                writer.flush()
        writer.finish()
        with cursor.copy(f"COPY {POOL_TABLE} (case_id) FROM STDIN") as copy:
            for pk in ids:
                copy.write_row((pk,))
    return writer.written


def _columns(model):
    return [f for f in model._meta.concrete_fields if not f.generated]  # the database computes those


def _text(value):
    """A JSON column's value as COPY takes it (Django's backend reads jsonb as text already)."""
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _tail(event) -> str | None:
    """The event's hashed content after its case id, as ``cases.events`` serialises it; None when the
    payload names photos (their ids change with each copy, so the whole content is hashed again)."""
    if "photos" in event["payload"]:
        return None
    content = json.dumps(
        [
            0,
            event["seq"],
            event["kind"],
            event["actor_id"],
            event["from_status"],
            event["to_status"],
            event["comment"],
            event["payload"],
            event["created_at"].isoformat(),
        ],
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return content[2:]  # after "[0"


class Pool:
    """The stories, read once, and the copies made of them."""

    def __init__(self, cases, events, attachments):
        self.case_fields, self.event_fields, self.attachment_fields = (
            _columns(Case),
            _columns(CaseEvent),
            _columns(Attachment),
        )
        self.cases, self.events, self.attachments = cases, events, attachments
        self.copied_ids = []

    @classmethod
    def load(cls):
        tables = {}
        with connection.cursor() as cursor:
            for model, order in ((Case, "id"), (CaseEvent, "case_id, seq"), (Attachment, "case_id, id")):
                fields = _columns(model)
                key = "id" if model is Case else "case_id"
                cursor.execute(
                    f"SELECT {', '.join(connection.ops.quote_name(f.column) for f in fields)} "
                    f"FROM {model._meta.db_table} WHERE {key} IN (SELECT case_id FROM {POOL_TABLE}) "
                    f"ORDER BY {order}"
                )
                names = [f.attname for f in fields]
                json_at = [k for k, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
                rows = []
                for row in cursor.fetchall():
                    row = list(row)
                    for k in json_at:
                        row[k] = _text(row[k])
                    rows.append(dict(zip(names, row)))
                tables[model] = rows
        events, attachments = {}, {}
        for event in tables[CaseEvent]:
            event["payload"] = json.loads(event["payload"]) if event["payload"] else {}
            event["tail"] = _tail(event)
            events.setdefault(event["case_id"], []).append(event)
        for attachment in tables[Attachment]:
            attachments.setdefault(attachment["case_id"], []).append(attachment)
        street = CODE_LENGTH[Level.STREET]
        for case in tables[Case]:
            case["counter"] = (timezone.localtime(case["reported_at"]).year, case["area_code"][:street])
        return cls(tables[Case], events, attachments)

    def write(self, count, *, start) -> dict:
        """``count`` copies, one transaction: pool stories ``start``, ``start + 1``, … in turn."""
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor)
            ids = {}
            for model in (Case, CaseEvent, Attachment):
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
                ids[model] = cursor.fetchone()[0]
            counters = {(c.year, c.area_code): c for c in CaseNumberCounter.objects.all()}
            cases, events, attachments = [], [], []
            for k in range(start, start + count):
                template = self.cases[k % len(self.cases)]
                ids[Case] += 1
                case_id = ids[Case]
                counter = counters.get(template["counter"])
                if counter is None:
                    year, street = template["counter"]
                    counter = counters[template["counter"]] = CaseNumberCounter(
                        year=year, area_code=street, last=0
                    )
                counter.last += 1
                cases.append(
                    {
                        **template,
                        "id": case_id,
                        "number": f"{counter.year}{counter.area_code}{counter.last:06d}",
                        "public_id": new_public_id(),
                    }
                )
                old_events = self.events.get(template["id"], ())
                event_ids = {}
                for event in old_events:
                    ids[CaseEvent] += 1
                    event_ids[event["id"]] = ids[CaseEvent]
                photo_ids = {}
                for attachment in self.attachments.get(template["id"], ()):
                    ids[Attachment] += 1
                    photo_ids[attachment["id"]] = ids[Attachment]
                    attachments.append(
                        {
                            **attachment,
                            "id": ids[Attachment],
                            "case_id": case_id,
                            "event_id": event_ids.get(attachment["event_id"]),
                        }
                    )
                prev = GENESIS
                for event in old_events:
                    payload = event["payload"]
                    if event["tail"] is not None:
                        digest = hashlib.sha256(f"{prev}[{case_id}{event['tail']}".encode()).hexdigest()
                    else:
                        payload = {**payload, "photos": [photo_ids.get(p, p) for p in payload["photos"]]}
                        digest = event_hash(
                            prev,
                            case_id=case_id,
                            seq=event["seq"],
                            kind=event["kind"],
                            actor_id=event["actor_id"],
                            from_status=event["from_status"],
                            to_status=event["to_status"],
                            comment=event["comment"],
                            payload=payload,
                            created_at=event["created_at"],
                        )
                    events.append(
                        {
                            **event,
                            "id": event_ids[event["id"]],
                            "case_id": case_id,
                            "payload": json.dumps(payload, ensure_ascii=False),
                            "prev_hash": prev,
                            "hash": digest,
                        }
                    )
                    prev = digest
            for model, fields, rows in (
                (Case, self.case_fields, cases),
                (CaseEvent, self.event_fields, events),
                (Attachment, self.attachment_fields, attachments),
            ):
                names = [f.attname for f in fields]
                columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[name] for name in names])
            CaseNumberCounter.objects.bulk_create(
                counters.values(),
                update_conflicts=True,
                unique_fields=["year", "area_code"],
                update_fields=["last"],
                batch_size=1000,
            )
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, Attachment]):
                cursor.execute(sql)
        self.copied_ids += [cases[0]["id"], cases[-1]["id"]] if cases else []
        return {"cases": len(cases), "events": len(events), "attachments": len(attachments)}

    def check(self):
        """The copies' chains verify, as the stories' do (a change to the event hash shows up here)."""
        for case_id in self.copied_ids[-20:]:
            broken = verify_chain(CaseEvent.objects.filter(case_id=case_id).order_by("seq"))
            assert broken is None, f"copied case {case_id}: event {broken.seq} does not verify"

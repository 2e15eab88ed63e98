"""The benchmarks' case fill: resumable, committed in batches, rows streamed with ``COPY``.

Two phases, both topping the table up to a target (so a stopped fill keeps what it committed, and a later
run with ``--reuse`` continues from there):

* **Stories** (the first ``stories`` cases, 5,000 by default): the demo generator (``cases.demo``: plans
  replayed through the transition core, the one event writer, photos generated once and stored once)
  writes them, ``batch`` cases per transaction. Their ids go in the table ``bench_story``: the pool the
  second phase copies from.
* **Copies** (the rest): each batch copies pool stories in turn under fresh ids, numbers (the per-street
  counters moved on) and public ids, with their events re-chained for the new case ids (hashes valid:
  ``verify_chain`` is checked on a sample at the end; copies are chained under the plain SHA-256 scheme of
  key id ``sha256``, which the verifier accepts for a whole chain, so the re-hash stays a string join rather
  than an HMAC per event; each copy's head is set on its row) and their attachments pointing at the same
  stored photos. Each round of copies moves them to other grids (the same micro-grid slot, the point shifted
  by the grids' centroids, a grid or community team handling it moved along), so the open cases of the
  pool's few recent stories spread over the district as a million generated ones would, instead of piling up
  in the few grids they were reported in. One transaction per batch, each table streamed with psycopg's
  ``cursor.copy``. The replay costs a query or two per step (permissions, conditions); a copy costs none,
  which is what makes a million cases a matter of minutes."""

import hashlib
import json
import time

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from cases import demo
from cases.events import GENESIS, LEGACY_KEY_ID, event_hash, verify_chain
from cases.models import Attachment, Case, CaseEvent, CaseNumberCounter, new_public_id
from grids.models import CODE_LENGTH, Area, Level

POOL_TABLE = "bench_story"
STRIDE = 7919  # grids between a story and its next round of copies (a prime: every grid gets its turn)


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

    def __init__(self, cases, events, attachments, grids):
        self.case_fields, self.event_fields, self.attachment_fields = (
            _columns(Case),
            _columns(CaseEvent),
            _columns(Attachment),
        )
        self.cases, self.events, self.attachments = cases, events, attachments
        self.grids = grids  # [(id, code, lat, lon, community id, [(micro-grid id, code), ...])] by code
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
            event["text"] = event["payload"]  # written back as read, unless its photo ids change
            event["payload"] = json.loads(event["payload"]) if event["payload"] else {}
            event["tail"] = _tail(event)
            events.setdefault(event["case_id"], []).append(event)
        for attachment in tables[Attachment]:
            attachments.setdefault(attachment["case_id"], []).append(attachment)
        areas = {
            a["id"]: a
            for a in Area.objects.filter(level__in=[Level.GRID, Level.MICROGRID]).values(
                "id", "code", "level", "parent_id", "centroid_lat", "centroid_lon"
            )
        }
        micro = {}
        for a in sorted(areas.values(), key=lambda a: a["code"]):
            if a["level"] == Level.MICROGRID:
                micro.setdefault(a["parent_id"], []).append((a["id"], a["code"]))
        grids = [
            (a["id"], a["code"], a["centroid_lat"], a["centroid_lon"], a["parent_id"], micro.get(a["id"], []))
            for a in sorted(areas.values(), key=lambda a: a["code"])
            if a["level"] == Level.GRID
        ]
        at = {grid[0]: k for k, grid in enumerate(grids)}
        for case in tables[Case]:
            case["year"] = timezone.localtime(case["reported_at"]).year
            area = areas.get(case["area_id"])
            grid_id = area and (area["id"] if area["level"] == Level.GRID else area["parent_id"])
            case["grid"] = at.get(grid_id)  # None: not in a grid, copied in place
            if case["grid"] is not None:
                slots = [m[0] for m in grids[case["grid"]][5]]
                case["slot"] = slots.index(area["id"]) if area["id"] in slots else None
                handling = case["handling_area_id"]
                case["team"] = (
                    "grid"
                    if handling == grid_id
                    else "community"
                    if handling == grids[case["grid"]][4]
                    else ""
                )
        return cls(tables[Case], events, attachments, grids)

    def rehome(self, template, round_) -> dict:
        """The template's place fields moved ``round_ * STRIDE`` grids along the grids' code order."""
        if template["grid"] is None or round_ == 0:
            return {"area_code": template["area_code"]}
        old = self.grids[template["grid"]]
        new = self.grids[(template["grid"] + round_ * STRIDE) % len(self.grids)]
        area_id, area_code = new[0], new[1]
        if template["slot"] is not None and template["slot"] < len(new[5]):
            area_id, area_code = new[5][template["slot"]]
        place = {"area_id": area_id, "area_code": area_code}
        if template["lat"] is not None and None not in (old[2], new[2]):
            place["lat"] = round(template["lat"] + new[2] - old[2], 6)
            place["lon"] = round(template["lon"] + new[3] - old[3], 6)
        if template["team"]:
            place["handling_area_id"] = new[0] if template["team"] == "grid" else new[4]
        return place

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
            street = CODE_LENGTH[Level.STREET]
            for k in range(start, start + count):
                template = self.cases[k % len(self.cases)]
                place = self.rehome(template, k // len(self.cases))
                ids[Case] += 1
                case_id = ids[Case]
                key = (template["year"], place["area_code"][:street])
                counter = counters.get(key)
                if counter is None:
                    counter = counters[key] = CaseNumberCounter(year=key[0], area_code=key[1], last=0)
                counter.last += 1
                cases.append(
                    {
                        **template,
                        **place,
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
                    text = event["text"]
                    if event["tail"] is not None:
                        digest = hashlib.sha256(f"{prev}[{case_id}{event['tail']}".encode()).hexdigest()
                    else:
                        payload = event["payload"]
                        payload = {**payload, "photos": [photo_ids.get(p, p) for p in payload["photos"]]}
                        text = json.dumps(payload, ensure_ascii=False)
                        digest = event_hash(
                            LEGACY_KEY_ID,
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
                            "payload": text,
                            "prev_hash": prev,
                            "hash": digest,
                            "key_id": LEGACY_KEY_ID,
                        }
                    )
                    prev = digest
                # The copy's chain head, on its row as the writer keeps it.
                cases[-1]["last_event_seq"] = old_events[-1]["seq"] if old_events else 0
                cases[-1]["last_event_hash"] = prev if old_events else ""
            for model, fields, rows in (
                (Case, self.case_fields, cases),
                (CaseEvent, self.event_fields, events),
                (Attachment, self.attachment_fields, attachments),
            ):
                names = [f.attname for f in fields]
                columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                statement = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
                # The queued writer sends from a thread: the rows are built while the server takes the last.
                with cursor.copy(statement, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
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

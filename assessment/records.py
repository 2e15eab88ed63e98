"""The evaluate step: each case's evaluation record (``CaseRecord``), derived from the case and its events.

How each fact is derived (the definitions sheet of the exports repeats this in the field's words):

* The stage clock. Every transition event carries ``payload["clock"]``: the stage that runs after it and
  its deadline ``due_at`` (``cases.clock`` / ``worktime.deadlines``), moved by approved extensions and
  stopped (``paused``) by suspensions. Replaying the events in order gives, at each event, the deadline in
  force for the stage that event ends.
* A stage *ends* with the event that leaves its status: filing (from ``reported``) with file, void or
  self-handle; dispatch (from ``filed``) with dispatch; handling (from ``dispatched`` / ``accepted``) with
  feedback; verification (from ``handled`` / ``self_handled``) with verify pass or fail. It ended *on time*
  when the event's time is at or before the deadline in force (a stage without a limit is always on time).
* ``filed_on_time``: the filing stage ended on time (for a self-handled case that failed verification and
  entered the loop, the self-handling was that end). ``dispatched_on_time`` / ``handled_on_time`` /
  ``verified_on_time``: *every* dispatch / handling round (rework restarts the clock) / verification of
  the case ended on time; None while none has ended.
* ``closed_on_time``: closed, close type not "overdue", and no stage ended late.
* ``closing_due_at``: the deadline from which the case, while open, counts as due for closing: the
  running stage's deadline while filing, dispatch or handling runs (a case left undispatched past its
  dispatch limit is due too), else the latest handling deadline; for a closed case the latest handling
  deadline (what it was due by, for as-of times before its closing). None when no limit applies.
* As-of times: the record holds the case as it is now, with timestamps; a report as of an earlier time
  counts what had happened by then (filed_at, closed_at, voided_at … ≤ as-of), which is exact except for
  stages a later reopen or rework round rewound (the record keeps their latest times).
* Unit: the case's current handling department or team (a return clears it until the next dispatch).
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Case, CaseEvent

from .models import CaseRecord

STAGE_FROM = {
    "reported": "file",
    "filed": "dispatch",
    "dispatched": "handle",
    "accepted": "handle",
    "handled": "verify",
    "self_handled": "verify",
}
STAGE_ENDS = {
    "file": {"file", "void", "self_handle", "answer", "return_to_hotline"},
    "dispatch": {"dispatch"},
    "handle": {"feedback"},
    "verify": {"verify_pass", "verify_fail"},
}
GRID_CODE_LENGTH = 15


def _due(clock):
    value = clock.get("due_at")
    return parse_datetime(value) if value else None


class _Replay:
    """Walks one case's events in order, noting when each stage ended and whether on time."""

    def __init__(self):
        self.stage, self.due = "", None
        self.file_due = self.handle_due = None
        self.responded_at = self.responded_on_time = None
        self.ended = {"dispatch": [], "handle": [], "verify": []}
        self.self_handled = False
        self.verifier_id = None
        self.first_dispatch = None
        self.last_due = None

    def feed(self, event):
        self._end_stage(event)
        clock = (event.payload or {}).get("clock")
        if not clock or clock.get("paused"):
            return  # no clock change, or a suspension: the deadline in force is kept for the resume
        self.stage, self.due = clock.get("stage") or "", _due(clock)
        self.last_due = self.due or self.last_due
        if event.kind == "report":
            self.file_due = self.due
        if self.stage == "handle":
            self.handle_due = self.due

    def _end_stage(self, event):
        stage = STAGE_FROM.get(event.from_status)
        if stage is None or event.kind not in STAGE_ENDS[stage]:
            return
        on_time = self.due is None or event.created_at <= self.due
        if stage == "file":
            if self.responded_at is None:
                self.responded_at, self.responded_on_time = event.created_at, on_time
            self.self_handled |= event.kind == "self_handle"
            return
        self.ended[stage].append(on_time)
        if stage == "dispatch" and self.first_dispatch is None:
            self.first_dispatch = event.created_at
        if stage == "verify":
            self.verifier_id = event.actor_id

    def all_on_time(self, stage):
        flags = self.ended[stage]
        return all(flags) if flags else None


def record_values(case, events) -> dict:
    """The record's fields for ``case`` (with ``area`` and ``category`` loaded) from its events in seq
    order."""
    replay = _Replay()
    for event in events:
        replay.feed(event)
    code = case.area_code
    grid_code = code[:GRID_CODE_LENGTH]
    period_at = case.filed_at or case.reported_at
    dispatched, handled, verified = (replay.all_on_time(s) for s in ("dispatch", "handle", "verify"))
    filed_on_time = replay.responded_on_time if case.filed_at else None
    closed = case.closed_at is not None
    late = False in (filed_on_time, dispatched, handled, verified)
    handling_seconds = None
    if case.handled_at and case.dispatched_at and case.status != "self_handled":
        handling_seconds = int((case.handled_at - case.dispatched_at).total_seconds())
    return dict(
        grid_code=grid_code,
        community_code=code[:12],
        street_code=code[:9],
        district_code=code[:6],
        category_id=case.category_id,
        major_id=case.category.parent_id or case.category_id,
        source=case.source,
        request_type=case.request_type,
        status=case.status,
        reporter_id=case.reporter_id,
        verifier_id=replay.verifier_id,
        department_id=case.handling_department_id,
        team_code=case.handling_area.code if case.handling_area_id else "",
        period_at=period_at,
        period_month=month_key(period_at),
        reported_at=case.reported_at,
        responded_at=replay.responded_at,
        responded_on_time=replay.responded_on_time,
        file_due_at=replay.file_due,
        filed_at=case.filed_at,
        filed_on_time=filed_on_time,
        voided_at=case.voided_at,
        voided_after_filing=bool(case.voided_at and case.filed_at),
        self_handled=replay.self_handled,
        dispatched_at=replay.first_dispatch,
        dispatched_on_time=dispatched,
        returned=case.return_count > 0,
        handle_due_at=replay.handle_due,
        handled_at=case.handled_at,
        handled_on_time=handled,
        handling_seconds=handling_seconds,
        extended=case.extension_count > 0,
        reworked=case.rework_count > 0,
        verified_on_time=verified,
        closing_due_at=_closing_due(case, replay),
        closed_at=case.closed_at,
        closed_on_time=(closed and case.close_type != "overdue" and not late) if closed else None,
        close_type=case.close_type,
        suspended_at=case.suspended_at if case.status == "suspended" else None,
        reopened=case.reopen_count > 0,
        satisfaction=case.satisfaction,
    )


def _closing_due(case, replay):
    if case.voided_at:
        return None
    if case.closed_at:  # what it was due by while it was open (for as-of times before the closing)
        return replay.handle_due or replay.last_due
    if replay.stage in ("file", "dispatch", "handle") and replay.due is not None:
        return replay.due
    return replay.handle_due or replay.due


def month_key(at) -> int:
    local = timezone.localtime(at)
    return local.year * 100 + local.month


def month_bounds(month: int):
    """[start, end) of a YYYYMM month in the district's time zone, as aware datetimes."""
    year, mon = divmod(month, 100)
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


# --- Writing ---------------------------------------------------------------------------------------

FIELDS = [f.name for f in CaseRecord._meta.concrete_fields if f.name not in ("case", "built_at")]


def record_rebuild(case_id) -> CaseRecord | None:
    """Rebuild one case's record (idempotent: the same case and events give the same row)."""
    case = Case.objects.select_related("category", "handling_area").filter(pk=case_id).first()
    if case is None:
        return None
    events = (
        CaseEvent.objects.filter(case_id=case_id)
        .order_by("seq")
        .only("kind", "from_status", "payload", "created_at", "actor_id")
    )
    values = record_values(case, events)
    record, _created = CaseRecord.objects.update_or_create(case_id=case_id, defaults=values)
    return record


def records_rebuild(*, case_ids=None, chunk=2000, stdout=None) -> int:
    """Rebuild the records of ``case_ids`` (all cases when None), ``chunk`` cases per transaction:
    two queries to read a chunk (cases, their events) and one upsert to write it."""
    qs = Case.objects.order_by("pk").select_related("category", "handling_area")
    if case_ids is not None:
        qs = qs.filter(pk__in=list(case_ids))
    done, last = 0, 0
    while True:
        cases = list(qs.filter(pk__gt=last)[:chunk])
        if not cases:
            return done
        by_case = {}
        events = (
            CaseEvent.objects.filter(case_id__in=[c.pk for c in cases])
            .order_by("case_id", "seq")
            .only("case_id", "kind", "from_status", "payload", "created_at", "actor_id")
        )
        for event in events:
            by_case.setdefault(event.case_id, []).append(event)
        now = timezone.now()
        rows = [
            CaseRecord(case_id=c.pk, built_at=now, **record_values(c, by_case.get(c.pk, []))) for c in cases
        ]
        with transaction.atomic():
            CaseRecord.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["case"], update_fields=FIELDS + ["built_at"]
            )
        done, last = done + len(cases), cases[-1].pk
        if stdout is not None:
            stdout.write(f"{done} records rebuilt")


def records_build_new(*, since) -> int:
    """Build the records of cases reported since ``since`` that have none yet. Read off the
    ``reported_at`` index, so it costs the same at any table size; a report entered with an older
    time is left to ``records_catch_up``."""
    ids = list(Case.objects.filter(reported_at__gte=since, record__isnull=True).values_list("pk", flat=True))
    return records_rebuild(case_ids=ids) if ids else 0


def records_catch_up(*, since) -> int:
    """Rebuild the records missing or older than their case's last change, for cases changed since
    ``since`` (rebuilds lost on the way)."""
    stale = Case.objects.filter(updated_at__gte=since).filter(
        Q(record__isnull=True) | Q(record__built_at__lt=F("updated_at"))
    )
    ids = list(stale.values_list("pk", flat=True))
    return records_rebuild(case_ids=ids) if ids else 0

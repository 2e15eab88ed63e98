"""The deadline sweep (run every minute by Celery beat): yellow, red, and climbing the tree.

Each pass asks one indexed question and works through the answer in keyset-ordered batches:

* newly overdue — ``stage_due_at <= now AND alert <> 'red'`` (partial index ``case_due_unred``): the
  stage turns red and the case climbs one level (grid → community → street → district), one "overdue"
  event;
* still red — ``next_escalation_at <= now`` (``case_next_escalation``): another full limit has passed
  since the last climb, so it climbs again, one "escalate" event, until the district;
* warning — ``stage_warn_at <= now AND alert = ''`` (``case_warn_open``): the stage turns yellow, one
  "warning" event.

Every case is claimed by compare-and-set, a batch at a time and by the ORM on every database: the batch's
rows are locked (``select_for_update``, in id order) and re-read, only the cases whose ``stage_due_at``,
``escalation_level`` and ``alert`` are still as first read are won, and one ``UPDATE`` with ``CASE``
expressions sets them all. Two sweeps running at once never escalate or notify twice: the loser waits on the
winner's row locks, then re-reads rows that no longer match (SQLite runs one writing transaction at a
time, so there the loser simply reads after the winner). The locks last until the batch commits, which is
what ``cases.events`` requires for appending to the hash chain. A sweep after downtime simply finds
everything due and catches up (passes repeat until nothing is due, so a case overdue by several limits
climbs several levels).

Notifications and ``case_changed`` signals are queued on commit; supervised (督办) cases are taken first
in each batch and notify with high priority.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import signals
from cases.events import EventDraft, events_chain, events_write
from cases.limits import category_limits
from cases.models import Case, CaseLevel, Stage
from cases.workflow import next_level
from worktime import calendar as working

from .notifications import Message, deliveries_requeue, notify
from .recipients import Audience, CaseRef
from .services import assists_time_out, whistles_mark_missing

log = logging.getLogger(__name__)

BATCH = 1000
MAX_PASSES = 5  # a pass can make new work for the next (a climb due again): a few levels at most

FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "stage",
    "stage_started_at",
    "stage_due_at",
    "stage_warn_at",
    "stage_limit_unit",
    "alert",
    "escalation_level",
    "next_escalation_at",
    "level",
    "urgency",
    "category_id",
    "area_code",
    "is_supervised",
    "handling_department_id",
    "handling_area__code",
    "handling_area__level",
    "reporter_id",
)


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0
    climbed: int = 0
    whistles_missing: int = 0
    assists_timed_out: int = 0
    deliveries_requeued: int = 0
    lost_claims: int = 0
    case_ids: list = field(default_factory=list)
    steps: dict = field(default_factory=dict)

    def as_dict(self):
        found = {k: v for k, v in self.__dict__.items() if k not in ("case_ids", "steps")}
        return {**found, **self.steps}


# Steps the apps above add to the sweep (``step_register``, from an AppConfig.ready): fn(now=...) -> count.
# They run after the cases' own work, in the same run, so there is one scheduler for every deadline.
# A step given ``every`` (a timedelta: the retention purges, hourly) runs at most that often: the first
# sweep to take the step's cache key runs it, the others skip it (counted as 0) until the key expires.
STEPS: dict = {}


def step_register(name: str, fn, *, every: timedelta | None = None) -> None:
    STEPS[name] = fn if every is None else _spaced(name, fn, every)


def _spaced(name: str, fn, every: timedelta):
    def step(now):
        if not cache.add(f"sweep:step:{name}", now.isoformat(), timeout=every.total_seconds()):
            return 0
        return fn(now=now)

    return step


def sweep(now=None) -> SweepResult:
    """One run: every due case is handled once; safe to run concurrently and to repeat."""
    now = now or timezone.now()
    result = SweepResult()
    for _pass in range(MAX_PASSES):
        before = (result.overdue, result.climbed)
        _run(_overdue_batches(now), _plan_overdue, now, result)
        _run(_climb_batches(now), _plan_climb, now, result)
        if (result.overdue, result.climbed) == before:
            break
    _run(_warning_batches(now), _plan_warning, now, result)
    result.whistles_missing = whistles_mark_missing(now=now)
    result.assists_timed_out = assists_time_out(now=now)
    for name, step in STEPS.items():
        result.steps[name] = step(now=now)
    with transaction.atomic():
        result.deliveries_requeued = deliveries_requeue(now)
    return result


# --- The three questions, as keyset-paginated batches --------------------------------------------


def _batches(qs, key):
    after = None
    while True:
        page = qs
        if after is not None:
            page = page.filter(Q(**{f"{key}__gt": after[0]}) | Q(**{key: after[0], "id__gt": after[1]}))
        rows = list(page.order_by(key, "id").values(*FIELDS)[:BATCH])
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        after = (rows[-1][key], rows[-1]["id"])


def _overdue_batches(now):
    return _batches(Case.objects.filter(stage_due_at__lte=now).exclude(alert="red"), "stage_due_at")


def _climb_batches(now):
    return _batches(Case.objects.filter(next_escalation_at__lte=now), "next_escalation_at")


def _warning_batches(now):
    return _batches(
        Case.objects.filter(stage_warn_at__lte=now, alert="", stage_due_at__gt=now), "stage_warn_at"
    )


def _run(batches, plan, now, result):
    limits = _Limits()
    for rows in batches:
        rows.sort(key=lambda r: not r["is_supervised"])  # supervised cases first
        with transaction.atomic():
            planned = [claim for row in rows if (claim := plan(row, now, limits))]
            won, events = _claim_all(planned, now)
            done = [c for c in planned if c.row["id"] in won]
            result.lost_claims += len(rows) - len(done)
            for claim in done:
                setattr(result, claim.counter, getattr(result, claim.counter) + 1)
                result.case_ids.append(claim.row["id"])
            if done:
                _record(done, events, now)


# --- Claims ------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """What the sweep will change on one case, if the case is still as it was read."""

    row: dict
    kind: str  # the event kind: overdue | escalate | warning
    counter: str  # the SweepResult field it counts in
    alert: str
    to_level: str
    next_at: object
    climbs: int  # 1 when the level goes up
    payload: dict
    recipients: str  # "escalation" or "warning"


def _claim_all(claims, now) -> tuple[set, list]:
    """Compare-and-set every claim; the ids of the cases this sweep won (the rest changed meanwhile), and
    their events, linked to the chain heads read under the locks (``events_write`` moves the heads)."""
    if not claims:
        return set(), []
    read = {c.row["id"]: c for c in claims}
    # Lock in id order (two sweeps never deadlock) and compare with what was read: the set's condition.
    current = (
        Case.objects.select_for_update()
        .filter(pk__in=read)
        .order_by("pk")
        .values_list("pk", "stage_due_at", "escalation_level", "alert", "last_event_seq", "last_event_hash")
    )
    won, heads = [], {}
    for pk, *now_values, head_seq, head_hash in current:
        if now_values == _as_read(read[pk].row):
            won.append(read[pk])
            if head_seq:
                heads[pk] = (head_seq, head_hash)
    events = events_chain([_draft(c, now) for c in won], heads)  # moves ``heads`` on
    if won:
        Case.objects.filter(pk__in=[c.row["id"] for c in won]).update(
            alert=_per_case(won, lambda c: c.alert, models.CharField()),
            level=_per_case(won, lambda c: c.to_level, models.CharField()),
            next_escalation_at=_per_case(won, lambda c: c.next_at, models.DateTimeField()),
            escalation_level=F("escalation_level")
            + _per_case(won, lambda c: int(c.kind != "warning"), models.IntegerField()),
            escalation_count=F("escalation_count")
            + _per_case(won, lambda c: c.climbs, models.IntegerField()),
            version=F("version") + _per_case(won, lambda c: c.climbs, models.IntegerField()),
            updated_at=now,
        )
    return {c.row["id"] for c in won}, events


def _as_read(row):
    return [row["stage_due_at"], row["escalation_level"], row["alert"]]


def _per_case(claims, value, output_field):
    """Each claim's value for one column: a constant when they all share it, else ``CASE WHEN id IN …``
    with one branch per distinct value (most claims of a batch share their alert, level and steps)."""
    ids_by_value: dict[object, list[int]] = {}
    for claim in claims:
        ids_by_value.setdefault(value(claim), []).append(claim.row["id"])
    if len(ids_by_value) == 1:
        return Value(next(iter(ids_by_value)), output_field=output_field)
    return models.Case(
        *[When(pk__in=ids, then=Value(v, output_field=output_field)) for v, ids in ids_by_value.items()],
        output_field=output_field,
    )


def _plan_overdue(row, now, limits):
    to_level = next_level(row["level"])
    next_at = limits.next_escalation(row, row["stage_due_at"], now) if _can_climb(to_level) else None
    return Claim(
        row,
        "overdue",
        "overdue",
        "red",
        to_level,
        next_at,
        int(to_level != row["level"]),
        _payload(row, to_level, next_at),
        "escalation",
    )


def _plan_climb(row, now, limits):
    if row["alert"] != "red" or row["stage_due_at"] is None or row["level"] == "district":
        # Left over from an earlier stage or an extension that cleared red: just forget the climb.
        Case.objects.filter(id=row["id"], next_escalation_at=row["next_escalation_at"]).update(
            next_escalation_at=None
        )
        return None
    to_level = next_level(row["level"])
    next_at = limits.next_escalation(row, row["next_escalation_at"], now) if _can_climb(to_level) else None
    return Claim(
        row,
        "escalate",
        "climbed",
        "red",
        to_level,
        next_at,
        1,
        _payload(row, to_level, next_at),
        "escalation",
    )


def _plan_warning(row, now, limits):
    payload = {"stage": row["stage"], "warn_at": row["stage_warn_at"], "due_at": row["stage_due_at"]}
    return Claim(
        row, "warning", "warned", "yellow", row["level"], row["next_escalation_at"], 0, payload, "warning"
    )


def _can_climb(to_level):
    return to_level != "district"


def _payload(row, to_level, next_at):
    return {
        "stage": row["stage"],
        "due_at": row["stage_due_at"],
        "from_level": row["level"],
        "to_level": to_level,
        "escalation_level": row["escalation_level"] + 1,
        "next_escalation_at": next_at,
        "supervised": row["is_supervised"],
        "by": "sweep",
    }


class _Limits:
    """When the next climb is due, by the category's limits (kept in memory by ``cases.limits``)."""

    def next_escalation(self, row, since, now):
        """One more full limit of the stage after ``since`` (the deadline, or the last climb's time)."""
        limit = category_limits(row["category_id"]).get((row["urgency"], row["stage"]))
        snap = working.snapshot()
        windows = snap.windows_by_district.get(row["area_code"][:6], snap.default_windows)
        if limit is not None:
            return working.add_working_time(since, limit[0], limit[1], windows)
        started = row["stage_started_at"] or since
        return since + max(row["stage_due_at"] - started, timedelta(hours=1))


# --- Events, notifications and signals for a claimed batch --------------------------------------


def _draft(outcome, now):
    row = outcome.row
    return EventDraft(
        row["id"], outcome.kind, now, None, row["status"], row["status"], payload=outcome.payload
    )


def _record(outcomes, events, now):
    events = events_write(events)
    seqs = {e.case_id: e.seq for e in events}
    audience = Audience([_ref(o.row) for o in outcomes])
    notify([_message(o, audience, seqs[o.row["id"]]) for o in outcomes], at=now)
    changed = [(o.row["id"], o.kind) for o in outcomes]
    transaction.on_commit(lambda: _signal(changed))


def _ref(row):
    return CaseRef(
        row["id"],
        row["area_code"],
        row["level"],
        row["handling_department_id"],
        row["handling_area__code"] or "",
        row["handling_area__level"] or "",
        row["reporter_id"],
    )


def _message(outcome, audience, seq):
    row = outcome.row
    ref = _ref(row)
    if outcome.recipients == "escalation":
        recipients = audience.unit_staff(ref, outcome.to_level) | audience.handlers(ref)
        if outcome.kind == "overdue":
            title = _("Overdue: case %(number)s passed its %(stage)s deadline") % _names(row)
        else:
            title = _("Still overdue: case %(number)s climbed to the %(level)s level") % {
                **_names(row),
                "level": _level_name(outcome.to_level),
            }
    else:
        recipients = audience.handlers(ref) or audience.unit_staff(ref, row["level"])
        title = _("Warning: case %(number)s is near its %(stage)s deadline") % _names(row)
    if row["is_supervised"]:
        title = _("[Supervised] %(title)s") % {"title": title}
    return Message(
        recipients=recipients,
        kind=outcome.kind,
        title=title,
        body=row["title"],
        key=f"case:{row['id']}:event:{seq}",
        case_id=row["id"],
        priority=int(row["is_supervised"]),
    )


def _names(row):
    return {
        "number": row["number"],
        "stage": str(dict(Stage.choices).get(row["stage"], row["stage"])).lower(),
    }


def _level_name(level):
    return str(dict(CaseLevel.choices).get(level, level)).lower()


def _signal(changed):
    for case_id, kind in changed:
        try:
            signals.case_changed.send(sender=Case, case_id=case_id, kind=kind, notified=True)
        except Exception:
            log.exception("case_changed listener failed for case %s (%s)", case_id, kind)

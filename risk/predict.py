"""Predicted overdue (预测超期, docs/domain.md §17.1): for each open case whose stage clock runs and has not
yet turned yellow, the probability that the stage misses its deadline, from the history of the same category,
handling unit and stage.

History: cases closed in the last ``HISTORY_DAYS`` days of the same categories. A closed case *passed* a
stage when the stage's end time is set (filed_at, dispatched_at, handled_at, verified_at) and *went overdue*
in it when its timeline holds an "overdue" event of that stage. The rate r = overdue / passed of the case's
(category, unit, stage) when at least ``MIN_SAMPLE`` cases passed; otherwise of (category, stage) over all
units, with the same minimum; otherwise no estimate.

The case has already run a fraction f of its stage (elapsed / (due − start), wall-clock, below 1 since it
is not yet yellow). Assuming the cases that finish on time finish evenly over the limit, a case still open
at f is late with probability p = r / (r + (1 − r)(1 − f)): Bayes with P(open at f | late) = 1 and
P(open at f | on time) = 1 − f. A case is *likely to be overdue* when p ≥ ``LIKELY_AT``.

Three grouped queries whatever the number of cases (open cases, passed counts, overdue counts).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cases import extensions
from cases.models import Case, CaseEvent, EventKind
from cases.workflow import Status
from grids.scope import scoped

HISTORY_DAYS = 180
MIN_SAMPLE = 10
LIKELY_AT = 0.5
SHOWN = 200
# The time that ends each stage on a closed case: the case passed the stage when it is set.
STAGE_END = {"file": "filed_at", "dispatch": "dispatched_at", "handle": "handled_at", "verify": "verified_at"}
OPEN_EXCLUDED = (Status.CLOSED, Status.EVALUATED, Status.VOIDED, Status.SUSPENDED)


@dataclass(frozen=True)
class Estimate:
    case_id: int
    probability: float  # p, 0..1
    rate: float  # r of the history used
    sample: int  # cases passed in that history
    basis: str  # "unit": (category, unit, stage); "category": (category, stage) over all units
    elapsed: float  # f

    @property
    def likely(self) -> bool:
        return self.probability >= LIKELY_AT

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


def unit_of(department_id, area_id) -> tuple:
    """The handling unit as a key: the department, else the grid or community team, else none yet."""
    if department_id:
        return ("d", department_id)
    if area_id:
        return ("a", area_id)
    return ("", None)


def probability(rate: float, elapsed: float) -> float:
    """p = r / (r + (1 − r)(1 − f)), f clipped to [0, 1]."""
    f = min(max(elapsed, 0.0), 1.0)
    denominator = rate + (1 - rate) * (1 - f)
    return 1.0 if denominator <= 0 else rate / denominator


def history(category_ids, now) -> tuple[dict, dict]:
    """(category, unit, stage) → passed and → overdue, over the cases closed in the window."""
    since = now - timedelta(days=HISTORY_DAYS)
    closed = Case.objects.filter(category_id__in=category_ids, closed_at__gte=since, closed_at__lte=now)
    rows = closed.values("category_id", "handling_department_id", "handling_area_id").annotate(
        **{stage: Count("id", filter=Q(**{f"{end}__isnull": False})) for stage, end in STAGE_END.items()}
    )
    passed: dict = {}
    for row in rows:
        unit = unit_of(row["handling_department_id"], row["handling_area_id"])
        for stage in STAGE_END:
            if row[stage]:
                passed[(row["category_id"], unit, stage)] = row[stage]
    late = (
        CaseEvent.objects.filter(
            kind=EventKind.OVERDUE,
            case__category_id__in=category_ids,
            case__closed_at__gte=since,
            case__closed_at__lte=now,
        )
        .values(
            "case__category_id", "case__handling_department_id", "case__handling_area_id", "payload__stage"
        )
        .annotate(n=Count("case_id", distinct=True))
    )
    overdue: dict = {}
    for row in late:
        unit = unit_of(row["case__handling_department_id"], row["case__handling_area_id"])
        key = (row["case__category_id"], unit, row["payload__stage"])
        overdue[key] = overdue.get(key, 0) + row["n"]
    return passed, overdue


def _rate(passed, overdue, category_id, unit, stage):
    n = passed.get((category_id, unit, stage), 0)
    if n >= MIN_SAMPLE:
        return min(overdue.get((category_id, unit, stage), 0), n) / n, n, "unit"
    n = sum(v for (c, _u, s), v in passed.items() if c == category_id and s == stage)
    if n >= MIN_SAMPLE:
        k = sum(v for (c, _u, s), v in overdue.items() if c == category_id and s == stage)
        return min(k, n) / n, n, "category"
    return None


def estimates(cases_qs, now=None) -> dict[int, Estimate]:
    """Case id → estimate for the open cases of ``cases_qs`` whose stage clock runs and is not yet yellow."""
    now = now or timezone.now()
    rows = list(
        cases_qs.filter(stage_due_at__gt=now, stage_started_at__isnull=False, alert="")
        .exclude(status__in=OPEN_EXCLUDED)
        .values_list(
            "id",
            "category_id",
            "handling_department_id",
            "handling_area_id",
            "stage",
            "stage_started_at",
            "stage_due_at",
        )
    )
    return _estimated(rows, now)


def _estimated(rows, now) -> dict[int, Estimate]:
    if not rows:
        return {}
    passed, overdue = history({row[1] for row in rows}, now)
    found = {}
    for pk, category_id, dept, area, stage, started, due in rows:
        rated = _rate(passed, overdue, category_id, unit_of(dept, area), stage)
        if rated is None:
            continue
        rate, n, basis = rated
        span = (due - started).total_seconds()
        elapsed = (now - started).total_seconds() / span if span > 0 else 1.0
        found[pk] = Estimate(pk, probability(rate, elapsed), rate, n, basis, min(max(elapsed, 0.0), 1.0))
    return found


def likely_overdue(user, now=None) -> list[tuple[Case, Estimate]]:
    """The user's cases likely to be overdue, most likely first (at most ``SHOWN``)."""
    found = estimates(scoped(user, Case.objects.all()), now)
    likely = sorted((e for e in found.values() if e.likely), key=lambda e: (-e.probability, e.case_id))
    likely = likely[:SHOWN]
    cases = Case.objects.select_related("category", "handling_department", "handling_area").in_bulk(
        [e.case_id for e in likely]
    )
    return [(cases[e.case_id], e) for e in likely if e.case_id in cases]


def estimate_for(case, now=None) -> Estimate | None:
    """The case's estimate from the loaded case (the two history queries only when its clock runs)."""
    now = now or timezone.now()
    runs = case.stage_due_at is not None and case.stage_due_at > now and case.stage_started_at is not None
    if not runs or case.alert or case.status in OPEN_EXCLUDED:
        return None
    row = (
        case.pk,
        case.category_id,
        case.handling_department_id,
        case.handling_area_id,
        case.stage,
        case.stage_started_at,
        case.stage_due_at,
    )
    return _estimated([row], now).get(case.pk)


@extensions.page_context  # the case page shows the estimate beside the deadline when the case is likely late
def case_page_estimate(case, user) -> dict:
    found = estimate_for(case)
    return {"predicted_overdue": found} if found is not None and found.likely else {}

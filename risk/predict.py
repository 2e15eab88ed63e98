"""Predicted overdue (预测超期, docs/domain.md §17.1): for each open case whose stage clock runs and has not
yet turned yellow, the probability that the stage misses its deadline, from the history of the same category,
handling unit and stage.

History: cases closed in the last ``HISTORY_DAYS`` days. A closed case *passed* a stage when the stage's end
time is set (filed_at, dispatched_at, handled_at, verified_at) and *went overdue* in it when its timeline
holds an "overdue" event of that stage. ``rates_refresh`` stores those counts per (category, unit, stage) and
per (category, stage) over all units (``OverdueRate``), in the daily and on-demand recomputation; every
reader (the case lists, the case page, the likely-overdue page, the report) estimates from the stored rows.
The rate r = overdue / passed of the case's (category, unit, stage) when at least ``MIN_SAMPLE`` cases passed;
otherwise of (category, stage) over all units, with the same minimum; otherwise no estimate.

The case has already run a fraction f of its stage on the stage's own clock (§4.2): working time on the
district's calendar for a working-hours or working-days limit, elapsed time for a natural one; below 1 since
it is not yet yellow. Assuming the cases that finish on time finish evenly over the limit, a case still open
at f is late with probability p = r / (r + (1 − r)(1 − f)): Bayes with P(open at f | late) = 1 and
P(open at f | on time) = 1 − f. A case is *likely to be overdue* when p ≥ ``LIKELY_AT``.

Two queries whatever the number of cases (the open cases, the stored rates of their categories).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import extensions
from cases.models import Case, CaseEvent, EventKind
from cases.workflow import Status
from grids.scope import scoped
from worktime import calendar as working

from .models import OverdueRate

HISTORY_DAYS = 180
MIN_SAMPLE = 10
LIKELY_AT = 0.5
SHOWN = 200
# The time that ends each stage on a closed case: the case passed the stage when it is set.
STAGE_END = {"file": "filed_at", "dispatch": "dispatched_at", "handle": "handled_at", "verify": "verified_at"}
OPEN_EXCLUDED = (Status.CLOSED, Status.EVALUATED, Status.VOIDED, Status.SUSPENDED)
ROW_FIELDS = (
    "id",
    "category_id",
    "handling_department_id",
    "handling_area_id",
    "stage",
    "stage_started_at",
    "stage_due_at",
    "stage_limit_unit",
    "area_code",
)


@dataclass(frozen=True)
class Estimate:
    case_id: int
    probability: float  # p, 0..1
    rate: float  # r of the history used
    sample: int  # cases passed in that history
    basis: str  # "unit": (category, unit, stage); "category": (category, stage) over all units
    elapsed: float  # f, on the stage's own clock

    @property
    def likely(self) -> bool:
        return self.probability >= LIKELY_AT

    @property
    def percent(self) -> int:
        return round(self.probability * 100)

    @property
    def late(self) -> int:
        """How many of the ``sample`` cases ran late (r × n, an integer by construction)."""
        return round(self.rate * self.sample)


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


def history(now) -> tuple[dict, dict]:
    """(category, unit, stage) → passed and → overdue, over the cases closed in the window."""
    since = now - timedelta(days=HISTORY_DAYS)
    closed = Case.objects.filter(closed_at__gte=since, closed_at__lte=now)
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
        CaseEvent.objects.filter(kind=EventKind.OVERDUE, case__closed_at__gte=since, case__closed_at__lte=now)
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


def rates_refresh(now=None) -> int:
    """Replace the stored rates with the history's as of ``now``; returns how many rows were written."""
    now = now or timezone.now()
    passed, overdue = history(now)
    per_category: dict = {}
    rows = []
    for (category_id, (kind, unit_id), stage), n in passed.items():
        late = min(overdue.get((category_id, (kind, unit_id), stage), 0), n)
        total = per_category.setdefault((category_id, stage), [0, 0])
        total[0], total[1] = total[0] + n, total[1] + late
        rows.append(
            OverdueRate(
                category_id=category_id,
                stage=stage,
                department_id=unit_id if kind == "d" else None,
                area_id=unit_id if kind == "a" else None,
                passed=n,
                overdue=late,
                computed_at=now,
            )
        )
    rows += [
        OverdueRate(category_id=c, stage=s, all_units=True, passed=n, overdue=k, computed_at=now)
        for (c, s), (n, k) in per_category.items()
    ]
    # Two refreshes at once may both insert; readers key the rows by (category, unit, stage), so a
    # duplicate reads the same, and the next refresh replaces both.
    with transaction.atomic():
        OverdueRate.objects.all().delete()
        OverdueRate.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def stored_rates(category_ids) -> dict:
    """(category, unit, stage) and (category, "*", stage) → (passed, overdue), from the stored rows."""
    rows = OverdueRate.objects.filter(category_id__in=category_ids).values_list(
        "category_id", "stage", "all_units", "department_id", "area_id", "passed", "overdue"
    )
    return {
        (c, "*" if everyone else unit_of(dept, area), stage): (n, k)
        for c, stage, everyone, dept, area, n, k in rows
    }


def _rate(rates, category_id, unit, stage):
    for key, basis in (((category_id, unit, stage), "unit"), ((category_id, "*", stage), "category")):
        n, k = rates.get(key, (0, 0))
        if n >= MIN_SAMPLE:
            return min(k, n) / n, n, basis
    return None


def elapsed_fraction(started, due, now, unit: str, calendar) -> float:
    """f on the stage's own clock (docs/domain.md §4.2): working time on the calendar of the case's district
    for a working unit, so nights, weekends and holidays do not count as used; elapsed time for a natural
    unit (and for a clock stored without its unit)."""
    if unit not in working.UNITS:
        unit = working.NATURAL_MINUTES
    span = working.working_micros_between(started, due, unit, calendar)
    used = working.working_micros_between(started, now, unit, calendar)
    return used / span if span > 0 else 1.0


def estimates(cases_qs, now=None) -> dict[int, Estimate]:
    """Case id → estimate for the open cases of ``cases_qs`` whose stage clock runs and is not yet yellow."""
    now = now or timezone.now()
    rows = list(
        cases_qs.filter(stage_due_at__gt=now, stage_started_at__isnull=False, alert="")
        .exclude(status__in=OPEN_EXCLUDED)
        .values_list(*ROW_FIELDS)
    )
    return _estimated(rows, now)


def _estimated(rows, now) -> dict[int, Estimate]:
    if not rows:
        return {}
    rates = stored_rates({row[1] for row in rows})
    found = {}
    for pk, category_id, dept, area, stage, started, due, unit, area_code in rows:
        rated = _rate(rates, category_id, unit_of(dept, area), stage)
        if rated is None:
            continue
        rate, n, basis = rated
        elapsed = elapsed_fraction(started, due, now, unit, area_code)
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


def _runs(case, now) -> bool:
    """The loaded case's stage clock runs and has not turned yellow (no query)."""
    runs = case.stage_due_at is not None and case.stage_due_at > now and case.stage_started_at is not None
    return runs and not case.alert and case.status not in OPEN_EXCLUDED


def estimate_for(case, now=None) -> Estimate | None:
    """The case's estimate from the loaded case (the stored rates' query only when its clock runs)."""
    now = now or timezone.now()
    if not _runs(case, now):
        return None
    row = tuple(getattr(case, "pk" if name == "id" else name) for name in ROW_FIELDS)
    return _estimated([row], now).get(case.pk)


@extensions.page_context  # the case page shows the estimate beside the deadline when the case is likely late
def case_page_estimate(case, user) -> dict:
    found = estimate_for(case)
    return {"predicted_overdue": found} if found is not None and found.likely else {}


def badge(found: Estimate) -> dict:
    """The "predicted overdue" badge of a case list row: the probability, and why on hover."""
    if found.basis == "unit":
        why = _("%(k)s of the last %(n)s cases of this category at this unit ran late in this stage")
    else:
        why = _("%(k)s of the last %(n)s cases of this category (all units) ran late in this stage")
    detail = _("%(p)s%% likely to miss the deadline: %(why)s; %(f)s%% of the stage's time used.") % {
        "p": found.percent,
        "why": why % {"k": found.late, "n": found.sample},
        "f": round(found.elapsed * 100),
    }
    return {
        "key": "predicted",
        "label": _("Predicted overdue %(p)s%%") % {"p": found.percent},
        "detail": detail,
        "data": {
            "probability": round(found.probability, 4),
            "rate": round(found.rate, 4),
            "sample": found.sample,
            "basis": found.basis,
            "elapsed": round(found.elapsed, 4),
        },
    }


@extensions.row_badges  # the case lists (queues and the API) show the badge before the yellow warning
def case_list_badges(cases, user) -> dict[int, list[dict]]:
    """Badges of a page of cases: a query for the running ones and one for their rates, whatever the page."""
    now = timezone.now()
    # Only the columns every list loads (an API page defers the rest): the estimates' query checks the start.
    running = [
        case.pk
        for case in cases
        if case.stage_due_at
        and case.stage_due_at > now
        and not case.alert
        and case.status not in OPEN_EXCLUDED
    ]
    if not running:
        return {}
    found = estimates(Case.objects.filter(pk__in=running), now)
    return {pk: [badge(e)] for pk, e in found.items() if e.likely}

"""Every figure of docs/domain.md §5, defined once.

A figure is built from *parts*: named sets of case records (a ``Q`` over ``CaseRecord`` at the report's
as-of time). The same part drives the database aggregate (``Count(filter=Q)``), the drill-down list (the
records matching it, whose count is the part's number), the definitions sheet of the exports and the API.

    rate   = Σ weight × count(numerator part) / count(denominator part) × 100
    mean   = Σ value over the part / count(part)
    count  = count(part)

Whistle arrivals are parts over ``dispatch.WhistleCall`` (one row per summoned department), not records.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VALID_RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")
SOLVED_CLOSE_TYPES = ("normal", "overdue", "answered")
PUBLIC_SOURCES = ("citizen", "hotline")


@dataclass(frozen=True)
class Part:
    key: str
    label: object
    build: object  # as_of -> Q
    model: str = "record"  # "record" (CaseRecord) or "whistle" (WhistleCall)

    def q(self, as_of) -> Q:
        return self.build(as_of)


def _closed(t):
    return Q(closed_at__lte=t)


def _counted(t):
    """Left out of the closing figures: voided, merged as a duplicate, or suspended (挂账) at ``t``."""
    voided = Q(voided_at__lte=t)
    suspended = Q(suspended_at__lte=t)
    merged = Q(close_type="merged")
    return ~voided & ~suspended & ~merged


def _due_for_closing(t):
    return Q(filed_at__lte=t) & _counted(t) & (_closed(t) | Q(closing_due_at__lte=t))


def _dispatched(t):
    return Q(dispatched_at__lte=t)


def _due_for_handling(t):
    return _dispatched(t) & _counted(t) & (Q(handled_at__lte=t) | Q(handle_due_at__lte=t))


def _hotline(q):
    return lambda t: Q(source="hotline") & q(t)


PARTS = {
    p.key: p
    for p in [
        Part("reported", _("reported"), lambda t: Q(reported_at__lte=t)),
        Part("filed", _("filed"), lambda t: Q(filed_at__lte=t)),
        Part("filed_on_time", _("filed within the limit"), lambda t: Q(filed_at__lte=t, filed_on_time=True)),
        Part(
            "filed_kept",
            _("filed and not voided after filing"),
            lambda t: Q(filed_at__lte=t) & ~Q(voided_after_filing=True, voided_at__lte=t),
        ),
        Part(
            "public_first",
            _("filed, first reported by the public or the hotline"),
            lambda t: Q(filed_at__lte=t, source__in=PUBLIC_SOURCES),
        ),
        Part("self_handled", _("self-handled"), lambda t: Q(self_handled=True, responded_at__lte=t)),
        Part("dispatched", _("dispatched"), _dispatched),
        Part(
            "dispatched_on_time",
            _("dispatched within the limit"),
            lambda t: _dispatched(t) & Q(dispatched_on_time=True),
        ),
        Part(
            "dispatched_kept",
            _("dispatched and never returned"),
            lambda t: _dispatched(t) & Q(returned=False),
        ),
        Part("due_for_handling", _("due for handling"), _due_for_handling),
        Part(
            "handled_on_time",
            _("handled within the limit"),
            lambda t: _due_for_handling(t) & Q(handled_at__lte=t, handled_on_time=True),
        ),
        Part(
            "handled",
            _("handled (with a handling time)"),
            lambda t: _dispatched(t) & Q(handled_at__lte=t, handling_seconds__isnull=False),
        ),
        Part("due_for_closing", _("due for closing"), _due_for_closing),
        Part("closed", _("closed"), lambda t: _due_for_closing(t) & _closed(t)),
        Part(
            "closed_on_time",
            _("closed on time"),
            lambda t: _due_for_closing(t) & _closed(t) & Q(closed_on_time=True),
        ),
        Part("reworked", _("reworked at least once"), lambda t: _due_for_closing(t) & Q(reworked=True)),
        Part("overdue_open", _("open and overdue"), lambda t: _due_for_closing(t) & ~_closed(t)),
        Part(
            "verified", _("verified on site"), lambda t: Q(verified_on_time__isnull=False, reported_at__lte=t)
        ),
        Part(
            "verified_on_time",
            _("verified within the limit"),
            lambda t: Q(verified_on_time=True, reported_at__lte=t),
        ),
        Part(
            "callbacks", _("valid callbacks"), lambda t: Q(satisfaction__in=VALID_RATINGS, closed_at__lte=t)
        ),
        Part("satisfied", _("satisfied"), lambda t: Q(satisfaction="satisfied", closed_at__lte=t)),
        Part(
            "basically_satisfied",
            _("basically satisfied"),
            lambda t: Q(satisfaction="basically_satisfied", closed_at__lte=t),
        ),
        Part(
            "hotline_due_response",
            _("hotline calls due for a response"),
            _hotline(lambda t: Q(responded_at__lte=t) | Q(file_due_at__lte=t)),
        ),
        Part(
            "hotline_responded",
            _("hotline calls answered within the filing limit"),
            _hotline(lambda t: Q(responded_at__lte=t, responded_on_time=True)),
        ),
        Part("hotline_due_for_closing", _("hotline cases due for closing"), _hotline(_due_for_closing)),
        Part(
            "hotline_solved",
            _("hotline cases closed as solved"),
            _hotline(lambda t: _due_for_closing(t) & _closed(t) & Q(close_type__in=SOLVED_CLOSE_TYPES)),
        ),
        Part(
            "hotline_callbacks",
            _("hotline valid callbacks"),
            _hotline(lambda t: Q(satisfaction__in=VALID_RATINGS, closed_at__lte=t)),
        ),
        Part(
            "hotline_satisfied",
            _("hotline satisfied"),
            _hotline(lambda t: Q(satisfaction="satisfied", closed_at__lte=t)),
        ),
        Part(
            "hotline_basically_satisfied",
            _("hotline basically satisfied"),
            _hotline(lambda t: Q(satisfaction="basically_satisfied", closed_at__lte=t)),
        ),
        Part(
            "whistle_due",
            _("summoned departments due to arrive"),
            lambda t: Q(status__in=("arrived", "late", "missing")) | Q(status="pending", arrive_by__lte=t),
            "whistle",
        ),
        Part(
            "whistle_on_time",
            _("summoned departments that arrived in time"),
            lambda t: Q(status="arrived", arrived_at__lte=t),
            "whistle",
        ),
    ]
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    kind: str  # rate | mean | count
    numerator: tuple  # ((part key, weight), ...)
    denominator: str = ""
    definition: object = ""
    formula: object = ""  # lazily translated, like the label and the definition
    unit: str = "%"
    parts: tuple = field(default=())

    def part_keys(self):
        return [key for key, _w in self.numerator] + ([self.denominator] if self.denominator else [])


def _rate(key, label, num, den, definition, formula, numerator=None):
    return Figure(key, label, "rate", numerator or ((num, 1),), den, definition, formula)


FIGURES = {
    f.key: f
    for f in [
        Figure(
            "due_for_closing",
            _("Due for closing"),
            "count",
            (("due_for_closing", 1),),
            "",
            _(
                "Filed cases that are closed, or open past their deadline, at the as-of time; voided, merged "
                "and suspended cases are left out. An open case is due once the running filing, dispatch or "
                "handling stage is past its deadline (after handling: once the handling deadline passed)."
            ),
            _("count(due for closing)"),
            "",
        ),
        _rate(
            "closure_rate",
            _("Closure rate"),
            "closed",
            "due_for_closing",
            _("Cases closed by the as-of time among those due for closing."),
            _("closed / due for closing × 100"),
        ),
        _rate(
            "on_time_closure_rate",
            _("On-time closure rate"),
            "closed_on_time",
            "due_for_closing",
            _(
                "Closed cases whose close type is not overdue and none of whose stages (filing, every "
                "dispatch, every handling round, every verification) ended after its deadline, among those "
                "due for closing."
            ),
            _("closed on time / due for closing × 100"),
        ),
        _rate(
            "on_time_filing_rate",
            _("On-time filing rate"),
            "filed_on_time",
            "filed",
            _("Filed cases whose filing came within the filing limit from the report."),
            _("filed within limit / filed × 100"),
        ),
        _rate(
            "filing_accuracy",
            _("Filing accuracy"),
            "filed_kept",
            "filed",
            _("Filed cases not voided after filing."),
            _("(filed − voided after filing) / filed × 100"),
        ),
        _rate(
            "on_time_dispatch_rate",
            _("On-time dispatch rate"),
            "dispatched_on_time",
            "dispatched",
            _("Dispatched cases every dispatch of which came within the dispatch limit in force."),
            _("dispatched within limit / dispatched × 100"),
        ),
        _rate(
            "dispatch_accuracy",
            _("Dispatch accuracy"),
            "dispatched_kept",
            "dispatched",
            _("Dispatched cases never returned by a handling unit (回退)."),
            _("(dispatched − returned) / dispatched × 100"),
        ),
        _rate(
            "on_time_handling_rate",
            _("On-time handling rate"),
            "handled_on_time",
            "due_for_handling",
            _(
                "Dispatched cases (not voided, merged or suspended) that were handled or are past their "
                "handling deadline; handled on time when every handling round, rework included, fed back "
                "within its deadline, approved extensions counted."
            ),
            _("handled within limit / due for handling × 100"),
        ),
        _rate(
            "rework_rate",
            _("Rework rate"),
            "reworked",
            "due_for_closing",
            _("Cases due for closing that failed on-site verification at least once (返工)."),
            _("reworked / due for closing × 100"),
        ),
        Figure(
            "mean_handling_hours",
            _("Mean handling time (hours)"),
            "mean",
            (("handled", 1),),
            "",
            _("Natural hours from the latest dispatch to the feedback, over handled cases."),
            _("Σ handling time / handled"),
            "h",
        ),
        Figure(
            "overdue_open",
            _("Open and overdue"),
            "count",
            (("overdue_open", 1),),
            "",
            _("Cases due for closing and not closed at the as-of time."),
            _("count(open and overdue)"),
            "",
        ),
        Figure(
            "self_handled",
            pgettext_lazy("count", "Self-handled"),
            "count",
            (("self_handled", 1),),
            "",
            _("Reports the grid worker fixed on the spot (自行处置)."),
            _("count(self-handled)"),
            "",
        ),
        _rate(
            "valid_report_rate",
            _("Valid report rate"),
            "filed",
            "reported",
            _("Reports that were filed as cases."),
            _("filed / reported × 100"),
        ),
        _rate(
            "missed_report_rate",
            _("Missed-report rate"),
            "public_first",
            "filed",
            _("Filed cases in the grid first reported by the public or the 12345 hotline (漏报)."),
            _("first reported by public or hotline / filed × 100"),
        ),
        _rate(
            "verification_on_time_rate",
            _("On-time verification rate"),
            "verified_on_time",
            "verified",
            _("Cases verified on site, every verification within the verification limit."),
            _("verified within limit / verified × 100"),
        ),
        _rate(
            "satisfaction_rate",
            _("Satisfaction rate"),
            "",
            "callbacks",
            _(
                "Callback ratings: satisfied counts 1, basically satisfied 0.9; no response is not a valid "
                "callback."
            ),
            _("(satisfied + 0.9 × basically satisfied) / valid callbacks × 100"),
            numerator=(("satisfied", 1), ("basically_satisfied", 0.9)),
        ),
        _rate(
            "hotline_response_rate",
            _("Hotline response rate"),
            "hotline_responded",
            "hotline_due_response",
            _(
                "12345 hotline cases answered (filed, voided with a reason or fixed on the spot) within the "
                "filing limit, among hotline cases answered or past that limit."
            ),
            _("answered within limit / due for a response × 100"),
        ),
        _rate(
            "hotline_solution_rate",
            _("Hotline solution rate"),
            "hotline_solved",
            "hotline_due_for_closing",
            _(
                "Hotline cases closed as normal or overdue (not error, special or merged), among hotline "
                "cases due for closing."
            ),
            _("closed as solved / due for closing × 100"),
        ),
        _rate(
            "hotline_satisfaction_rate",
            _("Hotline satisfaction rate"),
            "",
            "hotline_callbacks",
            _("As the satisfaction rate, for hotline cases."),
            _("(satisfied + 0.9 × basically satisfied) / valid callbacks × 100"),
            numerator=(("hotline_satisfied", 1), ("hotline_basically_satisfied", 0.9)),
        ),
        _rate(
            "whistle_on_time_rate",
            _("Whistle arrivals on time"),
            "whistle_on_time",
            "whistle_due",
            _(
                "Departments summoned by a whistle (吹哨报到) that reported on site by the arrive-by time, "
                "among those that arrived, arrived late, missed it, or are still awaited past it."
            ),
            _("arrived in time / due to arrive × 100"),
        ),
    ]
}

# Which figures each table shows.
AREA_FIGURES = [
    "due_for_closing",
    "closure_rate",
    "on_time_closure_rate",
    "on_time_filing_rate",
    "filing_accuracy",
    "on_time_dispatch_rate",
    "dispatch_accuracy",
    "on_time_handling_rate",
    "rework_rate",
    "mean_handling_hours",
    "overdue_open",
    "self_handled",
    "missed_report_rate",
    "satisfaction_rate",
    "hotline_response_rate",
    "hotline_solution_rate",
    "hotline_satisfaction_rate",
    "whistle_on_time_rate",
]
UNIT_FIGURES = [
    "due_for_closing",
    "closure_rate",
    "on_time_closure_rate",
    "on_time_handling_rate",
    "rework_rate",
    "mean_handling_hours",
    "overdue_open",
    "dispatch_accuracy",
    "satisfaction_rate",
    "whistle_on_time_rate",
]
HOTLINE_FIGURES = ["hotline_response_rate", "hotline_solution_rate", "hotline_satisfaction_rate"]
WORKER_FIGURES = ["valid_report_rate", "self_handled", "verification_on_time_rate", "missed_report_rate"]
CATEGORY_FIGURES = [
    "due_for_closing",
    "closure_rate",
    "on_time_closure_rate",
    "on_time_handling_rate",
    "rework_rate",
    "mean_handling_hours",
    "overdue_open",
    "satisfaction_rate",
]
TREND_FIGURES = [
    "closure_rate",
    "on_time_closure_rate",
    "on_time_handling_rate",
    "rework_rate",
    "satisfaction_rate",
]

# --- Composite scores ------------------------------------------------------------------------------
# Component keys: a figure key (its rate counts as is), "-key" (100 − the rate: lower is better) or
# "volume" (the unit's dispatched cases relative to the busiest unit in the table, × 100).
DEFAULT_WEIGHTS = {
    # docs/domain.md §5.17. The platform has one on-site step after handling (verification), so the worker
    # composite's "on-time verification 20 % + on-time check 20 %" both fall on it. Attendance (the days on
    # patrol from the work logs, fieldwork, §8.5) is ours, weighted as one of the field's 20 % parts.
    "worker": {
        "valid_report_rate": 40,
        "-missed_report_rate": 20,
        "verification_on_time_rate": 40,
        "attendance_rate": 20,
    },
    "department": {"closure_rate": 30, "on_time_handling_rate": 30, "-rework_rate": 30, "volume": 10},
    "hotline": {"hotline_response_rate": 10, "hotline_solution_rate": 50, "hotline_satisfaction_rate": 40},
    # Areas (ours; the field gives none): the closing figures first, then handling quality, the public's view.
    "area": {
        "on_time_closure_rate": 30,
        "closure_rate": 20,
        "on_time_handling_rate": 20,
        "-rework_rate": 10,
        "satisfaction_rate": 10,
        "on_time_filing_rate": 5,
        "on_time_dispatch_rate": 5,
    },
}
# Components whose values come from outside the case records (not a figure of the records' parts), by label:
# the worker table adds them to a row's figures from the app that owns them (attendance_rate:
# fieldwork.selectors.attendance_figures, attended days / logged days × 100, docs/domain.md §8.5).
OUTSIDE_COMPONENTS = {"attendance_rate": _("Attendance rate (work logs)")}
GRADES = [("A", 90), ("B", 75), ("C", 60), ("D", 40), ("E", float("-inf"))]


def weights(kind: str) -> dict:
    """The composite's weights: ``settings.GRIDGOV["ASSESSMENT_WEIGHTS"][kind]`` or docs/domain.md §5.17."""
    configured = getattr(settings, "GRIDGOV", {}).get("ASSESSMENT_WEIGHTS", {}) or {}
    return dict(configured.get(kind) or DEFAULT_WEIGHTS[kind])


def grade(score) -> str:
    if score is None:
        return ""
    return next(letter for letter, floor in GRADES if score >= floor)


def composite(values: dict, kind: str, volume_share=None):
    """Weighted score over the components that have a value; weights of missing ones are left out
    (a grid without hotline cases is scored on the rest). None when no component has a value."""
    total = weight_sum = 0.0
    for component, weight in weights(kind).items():
        if component == "volume":
            value = volume_share
        elif component.startswith("-"):
            raw = values.get(component[1:])
            value = None if raw is None else 100 - raw
        else:
            value = values.get(component)
        if value is None:
            continue
        total += weight * value
        weight_sum += weight
    return round(total / weight_sum, 2) if weight_sum else None

"""The risk score's components: a registry other apps add to (``component_register`` from their
AppConfig.ready, e.g. disputes by risk level, lapsed screenings), and the built-in ones.

A component is a function ``fn(ctx) -> {grid code: value}``: one grouped query over the district (set-based:
its cost does not grow with the number of grids), counting something per grid in the window. The score of a
grid is Σ weight × value over the components (docs/domain.md §9); weights are the district's
(``RiskSettings.weights``), the default here when the district set none.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case as Cond
from django.db.models import Count, IntegerField, Sum, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from cases.models import Alert, Case, Urgency
from cases.workflow import OPEN, Status
from grids.models import CODE_LENGTH, Level, code_range_q
from intake.models import SensorAlert
from residents.models import VisitTask

GRID_LEN = CODE_LENGTH[Level.GRID]
# Severity points of one case in the case mix: an urgent case weighs three normal ones.
SEVERITY = {Urgency.URGENT: 3, Urgency.NORMAL: 1}


@dataclass
class Context:
    """What every component gets: the district, the window [start, end) and the day's hotspots."""

    district_code: str
    day: date
    start: datetime
    end: datetime
    settings: object
    hotspots: list = field(default_factory=list)  # risk.hotspots.Cluster, computed first


@dataclass(frozen=True)
class Component:
    key: str
    label: object
    explains: object
    default_weight: float
    fn: Callable[[Context], dict[str, float]]


COMPONENTS: dict[str, Component] = {}


def component_register(key: str, fn, *, label, explains, default_weight: float = 1.0) -> None:
    """Add a component (another app, from its AppConfig.ready). Its values count from the next computation."""
    COMPONENTS[key] = Component(key, label, explains, default_weight, fn)


def _grouped(qs, grid_field: str, value) -> dict[str, float]:
    rows = qs.annotate(g=Substr(grid_field, 1, GRID_LEN)).values("g").annotate(v=value).values_list("g", "v")
    return {g: float(v) for g, v in rows if v}


def _cases(ctx: Context):
    return Case.objects.filter(code_range_q("area_code", ctx.district_code)).exclude(status=Status.VOIDED)


def case_mix(ctx: Context) -> dict[str, float]:
    points = Cond(
        *[When(urgency=u, then=Value(p)) for u, p in SEVERITY.items()],
        default=Value(1),
        output_field=IntegerField(),
    )
    qs = _cases(ctx).filter(reported_at__gte=ctx.start, reported_at__lt=ctx.end)
    return _grouped(qs, "area_code", Sum(points))


def recurrence(ctx: Context) -> dict[str, float]:
    found: dict[str, float] = {}
    for spot in ctx.hotspots:
        found[spot.grid_code] = found.get(spot.grid_code, 0) + spot.case_count - 1
    return found


def overdue(ctx: Context) -> dict[str, float]:
    qs = _cases(ctx).filter(status__in=OPEN, alert=Alert.RED)
    return _grouped(qs, "area_code", Count("id"))


def reworked(ctx: Context) -> dict[str, float]:
    qs = _cases(ctx).filter(reported_at__gte=ctx.start, reported_at__lt=ctx.end, rework_count__gt=0)
    return _grouped(qs, "area_code", Sum("rework_count"))


def special_visits(ctx: Context) -> dict[str, float]:
    qs = VisitTask.objects.filter(
        code_range_q("area__code", ctx.district_code), status=VisitTask.Status.OPEN, due_on__lt=ctx.day
    )
    return _grouped(qs, "area__code", Count("id"))


def sensor_alerts(ctx: Context) -> dict[str, float]:
    qs = SensorAlert.objects.filter(
        code_range_q("case__area_code", ctx.district_code),
        occurred_at__gte=ctx.start,
        occurred_at__lt=ctx.end,
    )
    return _grouped(qs, "case__area_code", Count("id"))


component_register(
    "case_mix",
    case_mix,
    label=_("Case mix"),
    explains=_("cases reported in the window, an urgent one counting 3, a normal one 1"),
    default_weight=1,
)
component_register(
    "recurrence",
    recurrence,
    label=_("Recurrence (hotspots)"),
    explains=_("cases of a hotspot beyond its first, per grid of the hotspot"),
    default_weight=2,
)
component_register(
    "overdue",
    overdue,
    label=_("Overdue cases"),
    explains=_("open cases past their stage deadline (red)"),
    default_weight=3,
)
component_register(
    "reworked",
    reworked,
    label=_("Reworked cases"),
    explains=_("times cases of the window were sent back for rework"),
    default_weight=2,
)
component_register(
    "special_visits",
    special_visits,
    label=_("Special groups unvisited"),
    explains=_("open visit tasks of priority persons past their due day"),
    default_weight=2,
)
component_register(
    "sensor_alerts",
    sensor_alerts,
    label=_("Sensor alerts"),
    explains=_("sensor alerts received in the window"),
    default_weight=1,
)

"""Risk (风险研判): the district's weights, each grid's daily score with its components, hotspots of recurring
cases and early warnings (预警) with their reasons. Formulas: docs/domain.md §9."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov import audit_chain

AREA = "grids.Area"


class RiskSettings(models.Model):
    """The district's weights and thresholds (one row per district), edited by the centre."""

    district = models.OneToOneField(AREA, on_delete=models.PROTECT, related_name="+")
    # {component key: weight}; a component missing here weighs its default (risk/components.py).
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=30)
    yellow_at = models.DecimalField(_("yellow from score"), max_digits=8, decimal_places=2, default=20)
    red_at = models.DecimalField(_("red from score"), max_digits=8, decimal_places=2, default=40)
    hotspot_cell_m = models.PositiveSmallIntegerField(_("hotspot cell (m)"), default=100)
    hotspot_min_cases = models.PositiveSmallIntegerField(_("cases for a hotspot"), default=3)
    rising_factor = models.DecimalField(
        _("rising above baseline ×"), max_digits=5, decimal_places=2, default=2
    )
    rising_min_cases = models.PositiveSmallIntegerField(_("fewest cases for a rising category"), default=5)
    visit_grace_days = models.PositiveSmallIntegerField(_("visit overdue grace (days)"), default=7)
    # The last day the daily sweep step claimed (compare-and-set, so two sweeps never compute one day twice).
    computed_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("risk settings")
        verbose_name_plural = _("risk settings")


class RiskLevel(models.TextChoices):
    GREEN = "green", _("Low")
    YELLOW = "yellow", _("Elevated")
    RED = "red", _("High")


class RiskScore(models.Model):
    """One grid's score on one day, with the components it is made of (so a reader sees why)."""

    area = models.ForeignKey(AREA, on_delete=models.CASCADE, related_name="+", verbose_name=_("grid"))
    area_code = models.CharField(max_length=24)
    day = models.DateField(_("day"))
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=2)
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    # [{"key", "value", "weight", "points"}], in the registry's order.
    components = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("risk score")
        verbose_name_plural = _("risk scores")
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="riskscore_area_day")]
        indexes = [models.Index(fields=["day", "area_code"], name="riskscore_day_code")]


class Hotspot(models.Model):
    """Cases of one category recurring at nearby places within the window (grid-cell clustering)."""

    district_code = models.CharField(max_length=24)
    area = models.ForeignKey(AREA, on_delete=models.CASCADE, related_name="+", verbose_name=_("grid"))
    area_code = models.CharField(max_length=24)
    category = models.ForeignKey("cases.Category", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    lat = models.FloatField()
    lon = models.FloatField()
    case_count = models.PositiveIntegerField(_("cases"))
    first_at = models.DateTimeField(_("first report"))
    last_at = models.DateTimeField(_("last report"))
    key = models.CharField(max_length=64)  # category + the cluster's first cell: stable across days
    cases = models.ManyToManyField("cases.Case", related_name="+")

    class Meta:
        verbose_name = _("hotspot")
        verbose_name_plural = _("hotspots")
        indexes = [models.Index(fields=["day", "area_code"], name="hotspot_day_code")]


class OverdueRate(models.Model):
    """How often a stage ran late in the history of one category (docs/domain.md §17.1): for one handling
    unit, or for all units (``all_units``). Rebuilt by the daily and on-demand recomputation, so a case list
    reads a page's estimates from a few rows instead of six months of cases."""

    category = models.ForeignKey("cases.Category", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("stage"), max_length=16)
    all_units = models.BooleanField(default=False)
    # The unit (docs/domain.md §17.1): the handling department, else the grid or community team, else none.
    department = models.ForeignKey("grids.Department", null=True, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(AREA, null=True, on_delete=models.CASCADE, related_name="+")
    passed = models.PositiveIntegerField(_("cases that passed the stage"))
    overdue = models.PositiveIntegerField(_("cases overdue in it"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("overdue rate")
        verbose_name_plural = _("overdue rates")
        indexes = [models.Index(fields=["category", "stage"], name="overduerate_category_stage")]


class WarningRule(models.TextChoices):
    CATEGORY_RISING = "category_rising", _("Category rising above its baseline")
    VISIT_OVERDUE = "visit_overdue", _("Special-group person unvisited past the interval")
    REPEATED_PLACE = "repeated_place", _("Repeated reports at one place")


class RiskWarning(models.Model):
    """An early warning (预警) a rule opened, with its reason; acknowledged, then closed with an outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open, awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged, being handled")
        CLOSED = "closed", _("Closed with an outcome")

    rule = models.CharField(_("rule"), max_length=24, choices=WarningRule.choices)
    key = models.CharField(max_length=80)  # what it is about: one open warning per key
    area = models.ForeignKey(AREA, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_code = models.CharField(max_length=24)
    # What the rule saw; the reason a reader gets is written from it in their language (``reason``).
    facts = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)
    # The responsible unit (docs/domain.md §17.2): a community, street or the district centre (an area), or a
    # department; its code and level are kept beside it so scope and the sweep need no join.
    unit_area = models.ForeignKey(
        AREA, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    unit_code = models.CharField(max_length=24, blank=True)
    unit_level = models.CharField(max_length=16, blank=True)
    unit_department = models.ForeignKey(
        "grids.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(status="closed"), name="warning_one_open_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["status", "area_code"], name="warning_status_code"),
            # The sweep's question: open warnings past their deadline below the centre.
            models.Index(fields=["due_at"], condition=~Q(status="closed"), name="warning_open_due"),
        ]

    @property
    def unit_name(self) -> str:
        unit = self.unit_department or self.unit_area
        return unit.name if unit else ""

    def is_overdue(self, now=None) -> bool:
        return (
            self.status != self.Status.CLOSED
            and self.due_at is not None
            and self.due_at < (now or timezone.now())
        )

    @property
    def reason(self) -> str:
        f = self.facts
        if self.rule == WarningRule.CATEGORY_RISING:
            return (
                gettext(
                    "%(category)s: %(recent)d cases in the last 7 days in %(area)s, against a baseline of "
                    "%(baseline)s a week over the 4 weeks before."
                )
                % f
            )
        if self.rule == WarningRule.VISIT_OVERDUE:
            return gettext(
                "A person of the group “%(group)s” was due a visit on %(due_on)s, %(days)d days ago."
            ) % {**f, "group": f.get("group") or gettext("priority group")}
        return (
            gettext("%(category)s reported %(count)d times near %(address)s between %(first)s and %(last)s.")
            % f
        )


class WarningEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")
    ROUTED = "routed", _("Assigned to its unit")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated")


class RiskWarningEvent(audit_chain.ChainedLog):
    """One step of a warning, append-only and hash-chained (the head sealed in ``WarningEventHead``)."""

    append_only_message = "Warning events are append-only."

    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=WarningEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("warning event")
        verbose_name_plural = _("warning events")
        ordering = ["seq"]

    def chain_content(self) -> dict:
        return {
            "warning": self.warning_id,
            "kind": self.kind,
            "actor": self.actor_id,
            "at": self.at,
            "comment": self.comment,
        }


class WarningEventHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the warning-event chain."""


WARNING_EVENT_CHAIN = "risk_warning"
audit_chain.register(WARNING_EVENT_CHAIN, RiskWarningEvent, WarningEventHead)

"""The assessment's tables: one evaluation record per case, published monthly reports, five-star awards.

``CaseRecord`` is the evaluate step's output (考核评价): the per-stage facts of one case, derived from the
case and its audit events by ``assessment.records`` and denormalised (area codes per level, unit, month) so
that a whole report is one GROUP BY over one indexed table, never a loop over cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseRecord(models.Model):
    """Per-case evaluation facts. Rebuilt whole from the case and its events whenever the case changes.

    Timestamps (not just flags) are kept where the report's as-of time matters: a case closed after the
    as-of time counts as open then. Booleans marked "null" are None while the stage has not ended yet.
    """

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="record"
    )
    # Where: the case's grid and, denormalised, its community and street (prefixes of the grid code).
    grid_code = models.CharField(max_length=15)
    community_code = models.CharField(max_length=12)
    street_code = models.CharField(max_length=9)
    district_code = models.CharField(max_length=6)
    category = models.ForeignKey("cases.Category", on_delete=models.PROTECT, related_name="+")
    major = models.ForeignKey("cases.Category", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16)
    request_type = models.CharField(max_length=16, blank=True, default="")  # the 12345 request type
    status = models.CharField(max_length=16)
    # Who: the reporter (the grid worker as supervisor), the last verifier, the handling unit.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey("grids.Department", null=True, on_delete=models.PROTECT, related_name="+")
    team_code = models.CharField(max_length=24, blank=True)  # a grid / community team as the handling unit

    # When: the period key. A case is in a period by its filing time; a report never filed by its report time.
    period_at = models.DateTimeField()
    period_month = models.PositiveIntegerField()  # YYYYMM in the district's time zone, for trends
    reported_at = models.DateTimeField()

    # Filing stage (立案): ended by file, void or self-handle.
    responded_at = models.DateTimeField(null=True)  # when the filing stage ended (any of the three)
    responded_on_time = models.BooleanField(null=True)
    file_due_at = models.DateTimeField(null=True)  # the first filing deadline
    filed_at = models.DateTimeField(null=True)
    filed_on_time = models.BooleanField(null=True)
    voided_at = models.DateTimeField(null=True)
    voided_after_filing = models.BooleanField(default=False)
    self_handled = models.BooleanField(default=False)
    # Dispatch stage (派遣): every dispatch within the deadline in force; returned at least once (回退).
    dispatched_at = models.DateTimeField(null=True)  # the first dispatch
    dispatched_on_time = models.BooleanField(null=True)
    returned = models.BooleanField(default=False)
    # Handling stage (处置): every handling round fed back within its deadline, extensions counted.
    handle_due_at = models.DateTimeField(null=True)  # the latest round's deadline (extensions counted)
    handled_at = models.DateTimeField(null=True)  # the case is past handling now (none while reworked)
    handled_on_time = models.BooleanField(null=True)
    handling_seconds = models.BigIntegerField(null=True)  # latest dispatch → handled, natural seconds
    extended = models.BooleanField(default=False)
    reworked = models.BooleanField(default=False)
    # Verification (核查): every verification within its deadline.
    verified_on_time = models.BooleanField(null=True)
    # Closing (结案) and evaluation (评价).
    closing_due_at = models.DateTimeField(
        null=True
    )  # from when the case counts as due for closing while open
    closed_at = models.DateTimeField(null=True)
    closed_on_time = models.BooleanField(null=True)
    close_type = models.CharField(max_length=16, blank=True)
    suspended_at = models.DateTimeField(null=True)  # suspended now (挂账), since
    reopened = models.BooleanField(default=False)
    satisfaction = models.CharField(max_length=24, blank=True)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case evaluation record")
        verbose_name_plural = _("case evaluation records")
        indexes = [
            # A month's report reads a period range; the area level narrows it by prefix inside.
            models.Index(fields=["period_at", "grid_code"], name="caserecord_period_grid"),
            models.Index(fields=["grid_code", "period_at"], name="caserecord_grid_period"),
            models.Index(fields=["department", "period_at"], name="caserecord_dept_period"),
            models.Index(fields=["reporter", "period_at"], name="caserecord_reporter_period"),
        ]


class ReportSnapshot(models.Model):
    """A published report (the monthly one, or one a user saved): its figures frozen as JSON.

    Immutable: later changes to cases never change a published report. The ORM and the admin refuse
    updates and deletes.
    """

    scope_code = models.CharField(_("area"), max_length=24)  # the district or street the report covers
    period_start = models.DateTimeField(_("period starts"))
    period_end = models.DateTimeField(_("period ends"))
    as_of = models.DateTimeField(_("as of"))
    generated_at = models.DateTimeField(_("generated at"))
    kind = models.CharField(_("kind"), max_length=16, default="monthly")
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")
        ordering = ["-period_start", "scope_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope_code", "period_start", "period_end"], name="reportsnapshot_once"
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Published reports are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Published reports are immutable.")


class Star(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    SECURITY = "security", _("Public security")
    PROPERTY = "property", _("Property service")
    CULTURE = "culture", _("Culture")
    NEIGHBOURLINESS = "neighbourliness", _("Neighbourliness")


class StarAward(models.Model):
    """One star of a five-star grid (五星网格) for one period, as an evaluator decided it."""

    grid = models.ForeignKey(
        "grids.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="stars"
    )
    grid_code = models.CharField(max_length=24, editable=False)
    period_month = models.PositiveIntegerField(_("period"))  # YYYYMM
    star = models.CharField(_("star"), max_length=16, choices=Star.choices)
    awarded = models.BooleanField(_("awarded"))
    note = models.TextField(_("note"), blank=True)
    # The figures the evaluator saw beside this star, captured when the award was made.
    figures = models.JSONField(_("supporting figures"), default=dict)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("star award")
        verbose_name_plural = _("star awards")
        ordering = ["-period_month", "grid_code", "star"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "period_month", "star"], name="staraward_once"),
            models.CheckConstraint(
                condition=Q(period_month__gte=190001, period_month__lte=999912), name="staraward_period_month"
            ),
        ]
        indexes = [models.Index(fields=["grid_code", "period_month"], name="staraward_grid_period")]

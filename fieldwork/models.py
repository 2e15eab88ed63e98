"""Field work of the cadres and the grid workers (docs/domain.md §8.4, §8.5).

* ``GridDay`` (网格日): one a month per community, on a date the community sets.
* ``Deployment`` (下沉): a cadre of the street or a department sent to one grid on its grid day; checked in on
  site (the point must lie inside the grid), with what they did and found; a finding raises a case
  (``case``, shown on the case page too).
* ``WorkLog`` (巡查日志): one per grid worker and day, drafted from the patrol track, visits and reports by
  the deadline sweep and completed and submitted by the worker; ``DraftedDay`` marks a day the sweep drafted.
* ``FieldEvent``: every step, on the app's own hash-chained trail (gridgov/audit_chain.py).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov import audit_chain

AREA = "grids.Area"
FIELD_EVENT_CHAIN = "field_events"


class GridDay(models.Model):
    community = models.ForeignKey(
        AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="grid_days"
    )
    community_code = models.CharField(_("community code"), max_length=24, db_index=True)
    month = models.DateField(_("month"))  # the first day of the month: one grid day a month
    day = models.DateField(_("grid day"))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("scheduled by")
    )
    created_at = models.DateTimeField(_("scheduled at"), default=timezone.now)

    class Meta:
        verbose_name = _("grid day")
        verbose_name_plural = _("grid days")
        ordering = ["-day", "community_code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="gridday_one_a_month"),
        ]

    def __str__(self):
        return f"{self.community_code} {self.day}"


class Deployment(models.Model):
    grid_day = models.ForeignKey(GridDay, on_delete=models.CASCADE, related_name="deployments")
    grid = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("grid code"), max_length=24, db_index=True)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="deployments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_lat = models.FloatField(_("check-in latitude"), null=True, blank=True)
    check_lon = models.FloatField(_("check-in longitude"), null=True, blank=True)
    did = models.TextField(_("what was done"), blank=True)
    found = models.TextField(_("what was found"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_day_findings",
    )
    # A follow-up raised as a task for the grid (tasks sits below fieldwork); its page shows this visit.
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_day_findings",
    )

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["grid_day", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid_day", "grid", "cadre"], name="deployment_once"),
        ]

    def __str__(self):
        return f"{self.cadre_id} → {self.area_code}"


class WorkLog(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    area_code = models.CharField(_("grid code"), max_length=24, db_index=True)
    patrol_minutes = models.PositiveIntegerField(_("minutes on patrol"), default=0)
    distance_m = models.PositiveIntegerField(_("distance walked (m)"), default=0)
    positions = models.PositiveIntegerField(_("track points"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    cases_reported = models.PositiveIntegerField(_("cases reported"), default=0)
    summary = models.TextField(_("work done"), blank=True)
    issues = models.TextField(_("problems and follow-up"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        ordering = ["-day", "area_code", "worker_id"]
        constraints = [models.UniqueConstraint(fields=["worker", "day"], name="worklog_one_a_day")]
        indexes = [models.Index(fields=["day", "area_code"], name="worklog_day_area")]

    def __str__(self):
        return f"{self.worker_id} {self.day}"


class DraftedDay(models.Model):
    """A day whose work logs the sweep drafted (the sweep's step asks one indexed question)."""

    day = models.DateField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("drafted day")
        verbose_name_plural = _("drafted days")


class FieldEventKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Grid day scheduled")
    ASSIGNED = "assigned", _("Cadre sent to the grid")
    CHECKED_IN = "checked_in", _("Checked in on site")
    RECORDED = "recorded", _("Work recorded")
    FINDING = "finding", _("Finding reported as a case")
    DRAFTED = "drafted", _("Work log drafted")
    SUBMITTED = "submitted", _("Work log submitted")


class FieldEvent(audit_chain.ChainedLog):
    """One step of field work, append-only and hash-chained (the head sealed in ``FieldEventHead``)."""

    append_only_message = "Field events are append-only."

    kind = models.CharField(_("kind"), max_length=16, choices=FieldEventKind.choices)
    area_code = models.CharField(_("area code"), max_length=24, db_index=True)
    grid_day = models.ForeignKey(
        GridDay, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    deployment = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    work_log = models.ForeignKey(
        WorkLog, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    comment = models.TextField(_("comment"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("field event")
        verbose_name_plural = _("field events")
        ordering = ["seq"]

    def chain_content(self) -> dict:
        return {
            "kind": self.kind,
            "area": self.area_code,
            "grid_day": self.grid_day_id,
            "deployment": self.deployment_id,
            "work_log": self.work_log_id,
            "actor": self.actor_id,
            "at": self.at,
            "comment": self.comment,
            "payload": self.payload,
        }


class FieldEventHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the field-event chain."""

    class Meta:
        verbose_name = _("field-event chain head")
        verbose_name_plural = _("field-event chain heads")


audit_chain.register(FIELD_EVENT_CHAIN, FieldEvent, FieldEventHead)

"""The command centre: departments (职能部门) and, in later modules, routing, calendar and escalation."""

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The area the department belongs to (normally the district) and the subtrees it serves.
    area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="departments")
    covered_areas = models.ManyToManyField("grids.Area", related_name="covering_departments", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name


# --- Working-time calendar -------------------------------------------------------------------------
# Working time = the calendar's morning and afternoon windows on working days. Working days are
# Monday–Friday, minus the public holidays (放假) and plus the make-up working days (调休) of the official
# schedule the State Council publishes each year (one national schedule; only the windows vary by
# district). The arithmetic lives in dispatch.calendar; these tables are its configuration.

DEFAULT_WINDOWS = (time(8, 30), time(12, 0), time(14, 0), time(17, 30))


class WorkingCalendar(models.Model):
    """Working windows for one district, or the default calendar for every district without its own."""

    name = models.CharField(_("name"), max_length=100)
    area = models.OneToOneField(
        "grids.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="working_calendar",
        limit_choices_to={"level": "district"},
        help_text=_("Leave empty for the default calendar used by every district without its own."),
    )
    morning_start = models.TimeField(_("morning starts"), default=DEFAULT_WINDOWS[0])
    morning_end = models.TimeField(_("morning ends"), default=DEFAULT_WINDOWS[1])
    afternoon_start = models.TimeField(_("afternoon starts"), default=DEFAULT_WINDOWS[2])
    afternoon_end = models.TimeField(_("afternoon ends"), default=DEFAULT_WINDOWS[3])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = [models.F("area__code").asc(nulls_first=True)]
        constraints = [
            # At most one default calendar (the one without a district).
            models.UniqueConstraint(
                models.Value(1), condition=Q(area__isnull=True), name="workingcalendar_one_default"
            ),
            models.CheckConstraint(
                condition=Q(morning_start__lt=F("morning_end"))
                & Q(morning_end__lte=F("afternoon_start"))
                & Q(afternoon_start__lt=F("afternoon_end")),
                name="workingcalendar_windows_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        times = [self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end]
        if None not in times and not (times[0] < times[1] <= times[2] < times[3]):
            raise ValidationError(
                _(
                    "The windows must run in order: "
                    "morning start < morning end ≤ afternoon start < afternoon end."
                )
            )
        if self.area_id and self.area.level != "district":
            raise ValidationError({"area": _("A working calendar belongs to a district.")})


class CalendarYear(models.Model):
    """One year's official holiday schedule. Without a published row the year counts weekends only."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(1992)])
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Untick while entering a schedule: days of an unpublished year are not applied yet."),
    )
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("e.g. the State Council notice.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("holiday schedule")
        verbose_name_plural = _("holiday schedules")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (off)")
    WORKDAY = "workday", _("Make-up working day (调休)")


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule, or a named holiday day (even on a weekend)."""

    year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. 春节 (Spring Festival)."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    def clean(self):
        if self.date and self.year_id and self.date.year != self.year.year:
            raise ValidationError({"date": _("The date must fall in the schedule's year.")})


class CalendarRevision(models.Model):
    """One row whose counter moves whenever the calendar changes, so every process reloads its copy."""

    counter = models.BigIntegerField(default=0)

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(counter=F("counter") + 1):
            cls.objects.get_or_create(pk=1, defaults={"counter": 1})

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("counter", flat=True).first() or 0


@receiver(post_save, sender=WorkingCalendar)
@receiver(post_delete, sender=WorkingCalendar)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def calendar_changed(sender, **kwargs):
    # Connected here rather than in a signals module so that every process that loads the models (web,
    # Celery worker, shell) hears the change: this process drops its copy at once, the others follow
    # the revision once the change commits.
    from .calendar import invalidate

    invalidate()
    transaction.on_commit(CalendarRevision.bump)

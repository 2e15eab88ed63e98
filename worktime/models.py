"""The working-time calendar's configuration: per-district windows and the official holiday schedules.

Organisation and time sit below the case loop: ``cases`` computes its deadlines with ``worktime``, and
nothing here knows about cases. The tables keep the names they had when they lived in ``dispatch``
(moved without a data change, see migration 0001).
"""

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Working time = the calendar's morning and afternoon windows on working days. Working days are
# Monday–Friday, minus the public holidays (放假) and plus the make-up working days (调休) of the official
# schedule the State Council publishes each year (one national schedule; only the windows vary by
# district). The arithmetic lives in worktime.calendar; these tables are its configuration.

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
        db_table = "dispatch_workingcalendar"
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
        db_table = "dispatch_calendaryear"
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
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("e.g. 春节 (Spring Festival).")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "dispatch_calendarday"
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

    class Meta:
        db_table = "dispatch_calendarrevision"

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(counter=F("counter") + 1):
            cls.objects.get_or_create(pk=1, defaults={"counter": 1})

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("counter", flat=True).first() or 0

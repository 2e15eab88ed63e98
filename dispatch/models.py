"""The command centre: departments (职能部门) and, in later modules, routing, calendar and escalation."""

from datetime import time

from django.conf import settings
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
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("e.g. 春节 (Spring Festival).")
    )
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


# --- Routing ---------------------------------------------------------------------------------------


class TeamKind(models.TextChoices):
    """The case's own team as the handling unit ("小事不出网格")."""

    GRID = "grid", _("The case's grid team")
    COMMUNITY = "community", _("The case's community team")


class RoutingRule(models.Model):
    """Category (+ area subtree, + level) → handling unit, tried in ascending priority."""

    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area subtree"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty: everywhere the owner area covers."),
    )
    # The unit that wrote the rule: it applies only inside this area's subtree.
    owner_area = models.ForeignKey(
        "grids.Area", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_routing_rules"
    )
    level = models.CharField(
        _("case level"), max_length=16, blank=True, help_text=_("Empty: cases of any level.")
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    team = models.CharField(_("own team"), max_length=16, choices=TeamKind.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower comes first."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(team=""))
                | (Q(department__isnull=True) & ~Q(team="")),
                name="routingrule_one_unit",
            ),
        ]
        indexes = [models.Index(fields=["category", "is_active", "priority"], name="routingrule_lookup")]

    def __str__(self):
        return f"{self.category} → {self.department or self.get_team_display()}"


# --- Co-handling (主办/协办) ------------------------------------------------------------------------


class AssistStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    TIMED_OUT = "timed_out", _("Timed out")


class CaseAssist(models.Model):
    """An assisting department (协办) on a case whose lead unit (主办) is the case's handling unit."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assists")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="assists"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AssistStatus.choices, default=AssistStatus.PENDING
    )
    due_at = models.DateTimeField(_("answer due at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assisting unit")
        verbose_name_plural = _("assisting units")
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="caseassist_unique")]
        indexes = [
            models.Index(fields=["due_at"], name="caseassist_pending_due", condition=Q(status="pending"))
        ]


# --- Whistle (吹哨报到) ------------------------------------------------------------------------------


class Whistle(models.Model):
    """A street or community summons departments to a case's site."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="whistles")
    area = models.ForeignKey(
        "grids.Area", verbose_name=_("summoning unit"), on_delete=models.PROTECT, related_name="whistles"
    )
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    arrive_by = models.DateTimeField(_("arrive by"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-created_at", "-id"]


class ArrivalStatus(models.TextChoices):
    PENDING = "pending", _("Summoned")
    ARRIVED = "arrived", _("Arrived in time")
    LATE = "late", _("Arrived late")
    MISSING = "missing", _("Did not arrive")


class WhistleCall(models.Model):
    """One summoned department and its arrival (报到): who, when, where."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="calls")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="whistle_calls"
    )
    arrive_by = models.DateTimeField(_("arrive by"))
    status = models.CharField(
        _("status"), max_length=16, choices=ArrivalStatus.choices, default=ArrivalStatus.PENDING
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrival_lat = models.FloatField(null=True, blank=True)
    arrival_lon = models.FloatField(null=True, blank=True)
    arrival_note = models.CharField(_("where"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("summoned department")
        verbose_name_plural = _("summoned departments")
        ordering = ["whistle_id", "id"]
        constraints = [models.UniqueConstraint(fields=["whistle", "department"], name="whistlecall_unique")]
        indexes = [
            models.Index(fields=["arrive_by"], name="whistlecall_pending_due", condition=Q(status="pending"))
        ]


# --- Notifications -----------------------------------------------------------------------------------


class Notification(models.Model):
    """One message in a user's in-app inbox; outside channels deliver copies of it."""

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 1, _("High (supervised case)")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # What the message is about (case event, whistle…): with the recipient it makes a retry a no-op.
    key = models.CharField(max_length=80)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self):
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class NotificationDelivery(models.Model):
    """A notification's copy through one outside channel (email, SMS), with its retries."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; the sweep re-queues pending copies past it (a lost publish, a dead worker).
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="delivery_pending_due", condition=Q(status="pending")
            )
        ]

"""The command centre: routing rules, assists (协办), whistles (吹哨报到) and notifications.

Departments are organisation (``grids.models.Department``); the working-time calendar is ``worktime``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Department

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

    # No constraint in the database: on PostgreSQL the notifications are partitioned by month, and a foreign
    # key can point only at a key holding the month (docs/scale.md). Django still cascades a deletion.
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; the sweep re-queues pending copies past it (lost publish, dead worker).
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

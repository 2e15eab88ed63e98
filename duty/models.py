"""Duty rosters (值班) of the units: the district centre, the streets and the communities (issue 19 §3).

* ``Roster``: one unit's rota for a period (drafted, then published), with the unit's leader who approves
  swaps (值班负责人).
* ``Shift``: one person on duty from ``starts_at`` to ``ends_at`` as the shift's leader (带班领导) or duty
  officer (值班员); day or night, and the kind of day it falls on in the working-time calendar (working day,
  rest day, public holiday).
* ``Swap``: a person asks another of the unit to take their shift; the roster's leader approves or refuses.
* ``Handover``: the log a shift leaves for the next one (what happened, matters still open).
* ``DutyEvent``: every step, on the duty app's own hash-chained trail (gridgov/audit_chain.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov import audit_chain

AREA = "grids.Area"
DUTY_EVENT_CHAIN = "duty_events"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Post(models.TextChoices):
    LEADER = "leader", _("Shift leader (带班领导)")
    OFFICER = "officer", _("Duty officer (值班员)")


class ShiftKind(models.TextChoices):
    DAY = "day", _("Day shift")
    NIGHT = "night", _("Night shift")


class DayType(models.TextChoices):
    WORKDAY = "workday", _("Working day")
    REST = "rest", _("Rest day")
    HOLIDAY = "holiday", _("Public holiday")


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Roster(models.Model):
    unit = models.ForeignKey(AREA, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("unit"))
    unit_code = models.CharField(max_length=24, editable=False)  # the unit's code, for prefix queries
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_rosters_led",
        verbose_name=_("unit leader (approves swaps)"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    shifts_count = models.PositiveIntegerField(_("shifts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["unit_code", "-starts_on"]
        indexes = [models.Index(fields=["unit_code", "starts_on"], name="roster_unit_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="roster_period_ordered")
        ]

    def __str__(self):
        return self.title


class Shift(models.Model):
    # No single-column index on either key: (roster, starts_at) and (person, starts_at) below serve them, and
    # each index less is a tenth less work for a year's COPY of shifts.
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts", db_index=False)
    unit_code = models.CharField(max_length=24, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("person"),
        db_index=False,
    )
    post = models.CharField(_("post"), max_length=16, choices=Post.choices)
    kind = models.CharField(_("shift"), max_length=8, choices=ShiftKind.choices)
    day_type = models.CharField(_("day"), max_length=8, choices=DayType.choices)
    holiday_name = models.CharField(_("holiday"), max_length=40, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # When its person was reminded (the sweep's compare-and-set claim); cleared when the shift changes hands.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "post", "id"]
        indexes = [
            # The overlap check and "my shifts": one range probe per person.
            models.Index(fields=["person", "starts_at"], name="shift_person_start"),
            # Who is on duty now, a unit's month.
            models.Index(fields=["unit_code", "starts_at"], name="shift_unit_start"),
            models.Index(fields=["roster", "starts_at"], name="shift_roster_start"),
            # The sweep's reminders: shifts about to start whose person has not heard yet.
            models.Index(
                fields=["starts_at"], name="shift_remind_due", condition=Q(reminded_at__isnull=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class Swap(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps", verbose_name=_("shift"))
    unit_code = models.CharField(max_length=24, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken over by")
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=16, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per shift at a time.
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="requested"), name="swap_one_open_per_shift"
            )
        ]


class Handover(models.Model):
    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="handover")
    unit_code = models.CharField(max_length=24, editable=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(default=timezone.now, editable=False)
    happened = models.TextField(_("what happened"))
    open_matters = models.TextField(_("open matters for the next shift"), blank=True)

    class Meta:
        verbose_name = _("handover log")
        verbose_name_plural = _("handover logs")
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["unit_code", "written_at"], name="handover_unit_at")]


class DutyEventKind(models.TextChoices):
    SAVED = "saved", _("Roster saved")
    PUBLISHED = "published", _("Roster published")
    SWAP_REQUESTED = "swap_requested", _("Swap requested")
    SWAP_APPROVED = "swap_approved", _("Swap approved")
    SWAP_REFUSED = "swap_refused", _("Swap refused")
    HANDOVER = "handover", _("Shift handed over")


class DutyEvent(audit_chain.ChainedLog):
    """One step of a roster, append-only and hash-chained (the head sealed in ``DutyEventHead``)."""

    append_only_message = "Duty events are append-only."

    roster = models.ForeignKey(Roster, on_delete=models.PROTECT, related_name="events")
    unit_code = models.CharField(max_length=24)
    kind = models.CharField(_("kind"), max_length=16, choices=DutyEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    comment = models.TextField(_("comment"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("duty event")
        verbose_name_plural = _("duty events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["roster", "seq"], name="dutyevent_roster_seq")]

    def chain_content(self) -> dict:
        return {
            "roster": self.roster_id,
            "unit_code": self.unit_code,
            "kind": self.kind,
            "actor": self.actor_id,
            "at": self.at,
            "comment": self.comment,
            "payload": self.payload,
        }


class DutyEventHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the duty-event chain."""

    class Meta:
        verbose_name = _("duty-event chain head")
        verbose_name_plural = _("duty-event chain heads")


audit_chain.register(DUTY_EVENT_CHAIN, DutyEvent, DutyEventHead)

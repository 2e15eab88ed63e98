"""Disputes and their mediation (矛盾纠纷排查化解, docs/domain.md §8).

* ``Mediator``: the registry of people who mediate (people's mediators, legal advisers, community police).
* ``Screening``: a grid's monthly rolling screening (常态化滚动排查), "nothing found" included; a grid that
  has not filed by the deadline is warned once (``ScreeningWarning``, claimed by the sweep).
* ``Dispute`` (a django-fsm-2 workflow, ``workflow.py``) with its ``Party`` rows (register persons, masked as
  in the register, or outsiders), ``Session`` rows, ``Signature`` attachments and ``FollowUp`` visits.
* ``DisputeEvent``: every step, on the mediation's own hash-chained trail (gridgov/audit_chain.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from gridgov import audit_chain

from .workflow import DisputeWorkflow, Status

AREA = "grids.Area"
EVENT_CHAIN = "dispute_events"


class DisputeType(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour dispute")
    FAMILY = "family", _("Marriage and family dispute")
    PROPERTY = "property", _("Property management dispute")
    LABOUR = "labour", _("Labour and wages dispute")
    LAND = "land", _("Land and housing dispute")
    CONSUMER = "consumer", _("Consumer dispute")
    OTHER = "other", _("Other dispute")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class Source(models.TextChoices):
    SCREENING = "screening", _("Monthly screening")
    VISIT = "visit", _("Visit")
    CASE = "case", _("Case")
    HOTLINE = "hotline", _("Hotline")


class ReferredTo(models.TextChoices):
    NONE = "", _("Not referred")
    COURT = "court", _("Court")
    POLICE = "police", _("Police")
    PETITION = "petition", _("Petition office")


class MediatorKind(models.TextChoices):
    PEOPLES = "peoples", _("People's mediator")
    LEGAL = "legal", _("Legal adviser")
    POLICE = "police", _("Community police")


class Mediator(models.Model):
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=MediatorKind.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=32, blank=True)
    area = models.ForeignKey(AREA, verbose_name=_("serves"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["area_code", "name", "id"]
        indexes = [models.Index(fields=["area_code"], name="mediator_area")]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class Screening(models.Model):
    """One grid's screening for one month; ``nothing_found`` is a report too."""

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24, editable=False)
    month = models.DateField(_("month"), help_text=_("The first day of the month screened."))
    nothing_found = models.BooleanField(_("nothing found"), default=False)
    note = models.TextField(_("what was screened"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly screening")
        verbose_name_plural = _("monthly screenings")
        ordering = ["-month", "area_code"]
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="screening_one_per_month")]
        indexes = [models.Index(fields=["month", "area_code"], name="screening_month_area")]

    def __str__(self):
        return f"{self.area_code} {self.month:%Y-%m}"


class ScreeningWarning(models.Model):
    """A grid warned that its screening for a month was not filed by the deadline (once per grid and
    month)."""

    area = models.ForeignKey(AREA, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    warned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("screening warning")
        verbose_name_plural = _("screening warnings")
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="screeningwarning_once")]


class Dispute(ConcurrentTransitionMixin, DisputeWorkflow, models.Model):
    title = models.CharField(_("title"), max_length=120)
    dispute_type = models.CharField(_("type"), max_length=12, choices=DisputeType.choices)
    description = models.TextField(_("what happened"), blank=True)
    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24, editable=False)
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    risk_reason = models.CharField(_("reason for the risk level"), max_length=200)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    # The case it came from: the case page shows the dispute through ``case.dispute`` (cases imports nothing
    # of mediation; see case_links.py).
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )
    status = FSMField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, protected=True)
    mediator = models.ForeignKey(
        Mediator,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_note = models.TextField(_("outcome"), blank=True)
    agreement_text = models.TextField(_("agreement"), blank=True)
    referred_to = models.CharField(
        _("referred to"), max_length=12, choices=ReferredTo.choices, default="", blank=True
    )
    close_reason = models.CharField(_("reason closed"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    mediation_started_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    follow_up_started_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["area_code", "status"], name="dispute_area_status"),
            # The sweep's question: high-risk disputes not yet escalated, by age.
            models.Index(
                fields=["opened_at"],
                name="dispute_high_unescalated",
                condition=Q(risk_level="high", escalated_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"JF{self.opened_at:%Y%m}-{self.pk or 0:05d}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")


class Party(models.Model):
    """A party: a register person (shown masked, as in the register) or an outsider (only a masked ID and
    phone number are kept)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    person = models.ForeignKey(
        "residents.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=64)
    id_mask = models.CharField(_("ID number"), max_length=40, blank=True)
    phone_mask = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "id"]

    def __str__(self):
        return self.name

    @property
    def is_outsider(self) -> bool:
        return self.person_id is None


class Session(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=120)
    notes = models.TextField(_("notes"))
    mediators = models.ManyToManyField(Mediator, verbose_name=_("mediators"), related_name="+")
    present = models.ManyToManyField(Party, verbose_name=_("parties present"), related_name="+", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute", "held_at", "id"]


class Signature(models.Model):
    """A party's signature on the agreement: the signed page, photographed or scanned."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="signatures")
    file = models.FileField(_("file"), upload_to="mediation/signatures/%Y/%m/")
    mime = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["dispute", "id"]


class FollowUp(models.Model):
    """A follow-up visit due on a day after the agreement (回访)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("due on"))
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    holding = models.BooleanField(_("the agreement holds"), null=True)
    note = models.TextField(_("note"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["dispute", "due_on", "id"]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="followup_due_unreminded",
                condition=Q(visited_at__isnull=True, reminded_at__isnull=True),
            )
        ]


class EventKind(models.TextChoices):
    RECORDED = "recorded", _("Dispute recorded")
    FROM_CASE = "from_case", _("Recorded from a case")
    STARTED = "started", _("Mediation started")
    SESSION = "session", _("Session held")
    CONCLUDED = "concluded", _("Mediation concluded")
    RESUMED = "resumed", _("Mediation resumed")
    REFERRED = "referred", _("Referred")
    SIGNED = "signed", _("Signature recorded")
    FOLLOW_UP = "follow_up", _("Follow-up begun")
    VISITED = "visited", _("Follow-up visit")
    VISIT_DUE = "visit_due", _("Follow-up visit due")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("High risk, escalated")
    SCREENED = "screened", _("Screening filed")
    SCREENING_MISSING = "screening_missing", _("Screening not filed, grid warned")
    MEDIATOR = "mediator", _("Mediator registered")


class DisputeEvent(audit_chain.ChainedLog):
    """One step of the mediation work, append-only and hash-chained (the head sealed in ``DisputeEventHead``);
    ``area_code`` scopes it (a screening's events have no dispute)."""

    append_only_message = "Dispute events are append-only."

    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    area_code = models.CharField(max_length=24)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    comment = models.TextField(_("comment"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["dispute", "seq"], name="disputeevent_dispute_seq"),
            models.Index(fields=["area_code", "seq"], name="disputeevent_area_seq"),
        ]

    def chain_content(self) -> dict:
        return {
            "dispute": self.dispute_id,
            "screening": self.screening_id,
            "area_code": self.area_code,
            "kind": self.kind,
            "actor": self.actor_id,
            "from": self.from_status,
            "to": self.to_status,
            "at": self.at,
            "comment": self.comment,
            "payload": self.payload,
        }


class DisputeEventHead(audit_chain.ChainHead):
    class Meta:
        verbose_name = _("dispute-event chain head")
        verbose_name_plural = _("dispute-event chain heads")


audit_chain.register(EVENT_CHAIN, DisputeEvent, DisputeEventHead)

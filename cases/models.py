"""Categories, the case and its audit trail.

The case's ``status`` is a protected FSM field: it changes only through the transition methods in
``cases/workflow.py`` (mixed into ``Case``), each called by one service in ``cases/services.py``.
"""

import secrets
import uuid
from functools import cache

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin

from .workflow import OPEN, CaseWorkflow, RequestType, Status

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud over the phone


def new_public_id() -> str:
    # One uniform draw over all 12-letter ids, spelled in the alphabet: one system call, not twelve.
    n, base = secrets.randbelow(len(PUBLIC_ID_ALPHABET) ** 12), len(PUBLIC_ID_ALPHABET)
    return "".join(PUBLIC_ID_ALPHABET[n // base**k % base] for k in range(12))


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class CaseLevel(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


CASE_LEVELS = [CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET, CaseLevel.DISTRICT]


class Stage(models.TextChoices):
    FILE = "file", _("Filing")
    DISPATCH = "dispatch", _("Dispatch")
    HANDLE = "handle", _("Handling")
    VERIFY = "verify", _("Verification")


class LimitUnit(models.TextChoices):
    NATURAL_MINUTES = "natural_minutes", _("natural minutes")
    NATURAL_HOURS = "natural_hours", _("natural hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class Source(models.TextChoices):
    PATROL = "patrol", _("Grid patrol")
    SELF_HANDLED = "self_handled", _("Self-handled")
    CITIZEN = "citizen", _("Citizen")
    HOTLINE = "hotline", _("12345 hotline")
    SENSOR = "sensor", _("Sensor")
    LEADER = "leader", _("Leader assigned")
    VISIT = "visit", _("Household visit")


class CloseType(models.TextChoices):
    NORMAL = "normal", _("Normal")
    OVERDUE = "overdue", pgettext_lazy("close type", "Overdue")
    ANSWERED = "answered", _("Answered directly")
    ERROR = "error", _("Error")
    SPECIAL = "special", _("Special")
    MERGED = "merged", _("Merged as duplicate")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    # The callback window passed and nobody answered (not a valid callback in the satisfaction rate).
    NO_RESPONSE = "no_response", _("No response")


# What a person can answer when asked (the reporter, or a citizen on the hotline's callback).
RATINGS = [choice for choice in Satisfaction.choices if choice[0] != Satisfaction.NO_RESPONSE]


class Alert(models.TextChoices):
    NONE = "", _("On time")
    YELLOW = "yellow", _("Warning")
    RED = "red", _("Overdue")


class Category(models.Model):
    """Two-level catalogue: a major class (no parent) and its minor classes. Cases use minor classes."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("major class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="minors",
    )
    description = models.TextField(_("description"), blank=True)
    default_level = models.CharField(
        _("default level"), max_length=16, choices=CaseLevel.choices, default=CaseLevel.COMMUNITY
    )
    verify_required = models.BooleanField(_("on-site verification required"), default=True)
    after_photo_required = models.BooleanField(_("after-photo required for feedback"), default=False)
    # Extra fields, the shape of Open311 service attributes:
    # [{"code", "label", "datatype": string|number|datetime|text|singlevaluelist|multivaluelist,
    #   "required", "values": [{"key", "name"}], "description"}]
    fields = models.JSONField(_("extra fields"), default=list, blank=True)
    auto_dispatch = models.BooleanField(_("dispatch automatically"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("duplicate window (hours)"), default=72)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_major(self):
        return self.parent_id is None

    def limit_for(self, urgency: str, stage: str):
        """(amount, unit) for a stage, or None when the catalogue sets no limit."""
        # Not at the top: cases.limits caches Category and TimeLimit rows, so it imports this module.
        from .limits import category_limits

        return category_limits(self.pk).get((urgency, stage))


class TimeLimit(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="limits")
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, choices=LimitUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency", "stage"], name="timelimit_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="timelimit_positive"),
        ]


CHAIN_HEAD_FIELDS = ("last_event_seq", "last_event_hash")


class Case(ConcurrentTransitionMixin, CaseWorkflow, models.Model):
    number = models.CharField(_("number"), max_length=32, unique=True)
    # The id outsiders see (Open311 service_request_id, citizens' links): random, so it never reveals
    # how many cases a district has.
    public_id = models.CharField(
        _("public id"), max_length=16, unique=True, default=new_public_id, editable=False
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    level = models.CharField(
        _("level"), max_length=16, choices=CaseLevel.choices, default=CaseLevel.COMMUNITY
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.PATROL)
    # The 12345 request type; empty on cases that came another way.
    request_type = models.CharField(_("request type"), max_length=16, choices=RequestType.choices, blank=True)
    status = FSMField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED, protected=True
    )

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)

    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The smallest area the point falls in (grid or micro-grid) and, denormalised, its code: every
    # scope and area filter is a prefix match on area_code, without a join.
    area = models.ForeignKey(
        "grids.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="cases"
    )
    area_code = models.CharField(max_length=24, editable=False)
    # The case's street, community and grid codes, kept by the database itself (stored generated columns):
    # "cases of this community" becomes an equality on an indexed column, so its newest 50 come straight
    # off the index in id order, at any table size. Lengths follow grids.models.CODE_LENGTH.
    street_code = models.GeneratedField(
        expression=Substr("area_code", 1, 9), output_field=models.CharField(max_length=9), db_persist=True
    )
    community_code = models.GeneratedField(
        expression=Substr("area_code", 1, 12), output_field=models.CharField(max_length=12), db_persist=True
    )
    grid_code = models.GeneratedField(
        expression=Substr("area_code", 1, 15), output_field=models.CharField(max_length=15), db_persist=True
    )

    handling_department = models.ForeignKey(
        "grids.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("handling department"),
    )
    handling_area = models.ForeignKey(
        "grids.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        verbose_name=_("handling grid or community team"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # The named handler (签收人) inside the handling unit: named by the unit or self-named ("我来办"), set by
    # accepting when nobody is named yet, cleared when the case leaves the unit (cases.services.case_assign).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("named handler"),
    )

    reported_at = models.DateTimeField(_("reported at"))
    filed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_from = models.CharField(max_length=16, blank=True)

    # The current stage's clock (computed by worktime.deadlines when a stage starts or changes).
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    stage_warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    stage_remaining = models.DurationField(null=True, blank=True)
    stage_limit_unit = models.CharField(max_length=20, blank=True)
    alert = models.CharField(_("alert"), max_length=8, choices=Alert.choices, default="", blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Set by the sweep when a stage turns red: if it is still red then, it climbs another level.
    next_escalation_at = models.DateTimeField(null=True, blank=True, editable=False)

    # A pending extension request (handler asks, dispatcher approves).
    extension_requested_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    extension_requested_unit = models.CharField(max_length=20, blank=True)
    extension_reason = models.TextField(blank=True)

    rework_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    escalation_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    is_supervised = models.BooleanField(_("supervised"), default=False)
    close_type = models.CharField(_("close type"), max_length=16, choices=CloseType.choices, blank=True)
    result = models.TextField(_("handling result"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True
    )

    version = models.PositiveIntegerField(default=1)
    # The head of the case's event chain (cases.events moves it with every append, in the same transaction):
    # a deleted last event leaves the head ahead of the table; hourly checkpoints sign all heads.
    last_event_seq = models.PositiveIntegerField(default=0, editable=False)
    last_event_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["area_code", "id"], name="case_area_id"),
            models.Index(fields=["status", "id"], name="case_status_id"),
            *(
                models.Index(
                    fields=[column, *rest, "id"], name=f"case_{column[:-5]}_{'status_' if rest else ''}id"
                )
                for column in ("street_code", "community_code", "grid_code")
                for rest in ([], ["status"])
            ),
            models.Index(fields=["handling_department", "status", "id"], name="case_dept_status_id"),
            models.Index(fields=["category", "id"], name="case_category_id"),
            # The sweep's two questions, answered from small partial indexes.
            models.Index(
                fields=["stage_due_at"], name="case_due_open", condition=Q(stage_due_at__isnull=False)
            ),
            models.Index(
                fields=["stage_warn_at"],
                name="case_warn_open",
                condition=Q(stage_warn_at__isnull=False, alert=""),
            ),
            # Red cases leave this one, so the sweep's "newly overdue" scan never rereads old red cases.
            models.Index(
                fields=["stage_due_at"],
                name="case_due_unred",
                condition=Q(stage_due_at__isnull=False) & ~Q(alert="red"),
            ),
            models.Index(
                fields=["next_escalation_at"],
                name="case_next_escalation",
                condition=Q(next_escalation_at__isnull=False),
            ),
            models.Index(fields=["reporter", "id"], name="case_reporter_id"),
            # The public map's small boxes (open311 map.json): citizens' reports by latitude, the longitude
            # read from the index; a large box walks the id index instead, newest first.
            models.Index(
                fields=["lat", "lon"],
                include=["id"],
                condition=Q(source="citizen"),
                name="case_citizen_point",
            ),
            # "My cases": a handler's named cases, newest first, off a small partial index.
            models.Index(
                fields=["assignee", "status", "id"],
                condition=Q(assignee__isnull=False),
                name="case_assignee_status_id",
            ),
            # The command map reads open cases only: grid load, clusters and lists from the index alone.
            models.Index(
                fields=["status", "area_code"],
                include=["lat", "lon", "alert", "is_supervised", "stage_due_at"],
                condition=Q(status__in=OPEN),
                name="case_open_map",
            ),
            models.Index(fields=["closed_at"], condition=Q(closed_at__isnull=False), name="case_closed_at"),
            models.Index(fields=["reported_at"], name="case_reported_at"),
            # The big screen's "today / this month by step": each step's cases in a time range, counted per
            # area from the index alone (risk/screen.py).
            *(
                models.Index(
                    fields=[step],
                    include=["area_code"],
                    condition=Q(**{f"{step}__isnull": False}),
                    name=f"case_{step}",
                )
                for step in ("filed_at", "dispatched_at", "handled_at")
            ),
            # The overdue and supervised lists (command map, big screen): the open red / supervised cases in
            # deadline order, read from the head of a small index instead of sorting every open case.
            models.Index(
                fields=["stage_due_at", "id"],
                condition=Q(status__in=OPEN, alert="red"),
                name="case_open_red_due",
            ),
            models.Index(
                fields=["stage_due_at", "id"],
                condition=Q(status__in=OPEN, is_supervised=True),
                name="case_open_supervised_due",
            ),
            # The big screen's live cases (alerts first, newest first, bounded): the head of this index alone.
            models.Index(
                fields=["alert", "id"],
                include=["area_code", "lat", "lon", "is_supervised"],
                condition=Q(status__in=OPEN, lat__isnull=False),
                name="case_open_live",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        # The chain head moves only with an event (cases.events, by UPDATE in the same transaction): a save
        # of an instance read before the last append must not move it back.
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.name not in CHAIN_HEAD_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def state_fields(self):
        # django-fsm's own property filters all 61 fields on every call, and it is called by every
        # instance's __init__ (each row of a list page) and save: the state fields never change.
        return _state_fields(type(self))


@cache
def _state_fields(model) -> tuple:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class EventKind(models.TextChoices):
    """What a timeline entry records: a transition (named as the FSM method), an edit, or a command-centre
    step. The labels are what the pages show (``get_kind_display``); a transition's is its action's."""

    REPORT = "report", _("Reported")
    SELF_HANDLE = "self_handle", _("Self-handled on the spot")
    FILE = "file", _("File")
    VOID = "void", _("Void")
    ANSWER = "answer", _("Answered directly")
    RETURN_TO_HOTLINE = "return_to_hotline", _("Returned to the hotline")
    DISPATCH = "dispatch", _("Dispatch")
    RETURN_TO_DISPATCHER = "return_to_dispatcher", _("Return")
    ACCEPT = "accept", _("Accept")
    FEEDBACK = "feedback", _("Feed back")
    REQUEST_EXTENSION = "request_extension", _("Ask for extension")
    APPROVE_EXTENSION = "approve_extension", _("Approve extension")
    REJECT_EXTENSION = "reject_extension", _("Reject extension")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    VERIFY_PASS = "verify_pass", _("Verify: passed")
    VERIFY_FAIL = "verify_fail", _("Verify: failed (rework)")
    CLOSE = "close", _("Close")
    EVALUATE = "evaluate", _("Rate")
    LAPSE_EVALUATION = "lapse_evaluation", _("No rating within the callback window")
    REOPEN = "reopen", _("Reopen")
    ESCALATE = "escalate", _("Escalate")
    SUPERVISE = "supervise", _("Supervise")
    MERGE = "merge", _("Merge as duplicate")
    MERGED_IN = "merged_in", _("A duplicate was merged into this case")
    ATTACH = "attach", _("Files added")
    CORRECT_AREA = "correct_area", _("Grid corrected")
    # Not a person's correction: a grid adjustment (split, merge, redraw) put its point in another grid.
    REHOME = "rehome", _("Moved with a grid adjustment")
    WARNING = "warning", _("Warning: time nearly up")
    OVERDUE = "overdue", _("Overdue")
    SENSOR_ALERT = "sensor_alert", _("Sensor alerted again")
    WHISTLE = "whistle", _("Whistle: departments summoned")
    WHISTLE_ARRIVE = "whistle_arrive", _("Department reported on site")
    WHISTLE_MISSING = "whistle_missing", _("Department did not report on site")
    ASSIST_REQUEST = "assist_request", _("Assisting departments asked")
    ASSIST_ANSWER = "assist_answer", _("Assisting department answered")
    ASSIST_TIMEOUT = "assist_timeout", _("Assisting department did not answer")
    ASSIGN = "assign", _("Handler named")
    UNASSIGN = "unassign", _("Named handler cleared")
    NOTE = "note", _("Internal note")
    NOTE_PUBLIC = "note_public", _("Progress note for the reporter")
    CITIZEN_UPDATE = "citizen_update", _("Update from a citizen")
    PHOTO_APPROVE = "photo_approve", _("Photo approved for the public")
    PHOTO_REJECT = "photo_reject", _("Photo kept from the public")
    PHOTO_BLUR = "photo_blur", _("Photo blurred for the public")
    WORDS_APPROVE = "words_approve", _("Citizen's words approved for the public")
    WORDS_REJECT = "words_reject", _("Citizen's words kept from the public")


# Notes on a case (cases.services.case_note): internal ones stay with the staff; public ones also reach the
# reporter's tracking page (intake.citizens).
NOTE_KINDS = (EventKind.NOTE, EventKind.NOTE_PUBLIC)


class CannedReply(models.Model):
    """A ready-made progress note for a category (常用回复), picked in the note form. One written for a
    major class serves all its minor classes."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="canned_replies"
    )
    title = models.CharField(_("title"), max_length=60)
    text = models.TextField(_("text"), max_length=1000)
    public = models.BooleanField(
        _("visible to the reporter"), default=True, help_text=_("Untick for a note the staff alone read.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["category", "is_active"], name="cannedreply_category")]

    def __str__(self):
        return self.title


class CaseEvent(models.Model):
    """Append-only, hash-chained timeline entry: one per transition and per edit."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    comment = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The audit key that hashed the event (gridgov.audit_hash); "sha256" marks the events written before
    # the chain was keyed, which verify under the plain SHA-256 scheme they were written with.
    key_id = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Case events are append-only.")


class AuditCheckpoint(models.Model):
    """An hourly, signed digest of every case's chain head (append-only; also written to the log).

    ``last_event_id`` is the checkpoint's settled mark: every event up to it had committed (none can
    commit later) and the digest covers exactly those. The verifier rebuilds each case's head as of the
    checkpoint from the events up to it, and a deleted tail, a rebuilt chain or a rolled-back table then no
    longer gives the signed digest."""

    created_at = models.DateTimeField()
    cases = models.PositiveIntegerField()
    last_event_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit checkpoints are append-only.")


class AttachmentKind(models.TextChoices):
    BEFORE = "before", _("Before photo")
    AFTER = "after", _("After photo")
    EVIDENCE = "evidence", _("Evidence photo")
    DOCUMENT = "document", _("Document")


def attachment_path(instance, filename):
    return (
        f"cases/{instance.case_id}/{instance.sha256[:2]}/{instance.sha256}{filename[filename.rfind('.') :]}"
    )


def thumbnail_path(instance, filename):
    return f"cases/{instance.case_id}/{instance.sha256[:2]}/{instance.sha256}.thumb.jpg"


def public_copy_path(instance, filename):
    # Beside the original, named by its own content: a second blur writes a new name, never over the first.
    return f"cases/{instance.case_id}/public/{filename}"


class Publication(models.TextChoices):
    """Whether a photo may leave to the public (issue 24): staff decide; until then it is staff-only."""

    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", pgettext_lazy("photo publication", "Public")
    REJECTED = "rejected", pgettext_lazy("photo publication", "Staff only")


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    # No constraint in the database: on PostgreSQL the events are partitioned by month, and a foreign key can
    # point only at a key holding the month. ``verify_audit`` reports a photo naming an event that is gone.
    event = models.ForeignKey(
        CaseEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    thumbnail = models.FileField(upload_to=thumbnail_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    mime = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Photo moderation (cases.moderation): only an approved photo is ever served publicly, and then its
    # blurred copy when staff made one; the original stays behind the staff scope.
    publication = models.CharField(
        _("publication"), max_length=16, choices=Publication.choices, default=Publication.PENDING
    )
    public_file = models.FileField(upload_to=public_copy_path, blank=True)
    public_thumbnail = models.FileField(upload_to=public_copy_path, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        indexes = [
            # The moderation queue: the photos still waiting, oldest first, from a small partial index.
            models.Index(fields=["id"], condition=Q(publication="pending"), name="attachment_pending"),
            # The public pages' "first approved before-photo of each case".
            models.Index(
                fields=["case", "kind", "id"], condition=Q(publication="approved"), name="attachment_public"
            ),
        ]

    @property
    def public_image(self):
        """What the public receives once approved: the blurred copy if staff made one, else the photo."""
        return self.public_file or self.file

    @property
    def public_thumb(self):
        return self.public_thumbnail or self.thumbnail


class HeldWords(models.Model):
    """A citizen's update whose words wait for staff before any public page shows them (issue 24 §4,
    ``GRIDGOV["CITIZEN_WORDS_MODERATED"]``). The event itself is append-only, so the decision lives here."""

    event = models.OneToOneField(
        CaseEvent, primary_key=True, on_delete=models.DO_NOTHING, related_name="held", db_constraint=False
    )
    publication = models.CharField(
        _("publication"), max_length=16, choices=Publication.choices, default=Publication.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("held words")
        verbose_name_plural = _("held words")


class CaseNumberCounter(models.Model):
    """The last serial handed out per (year, street): incremented inside the creating transaction."""

    year = models.PositiveSmallIntegerField()
    area_code = models.CharField(max_length=24)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "area_code"], name="casenumber_unique")]


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: the step it named acted once, and a retry gets the first result back.

    A case report keeps the case it made (``case``); any other step (``cases.idempotency``) keeps the
    request it answered (``request``: method and path) and its answer (``status_code``, ``response``).
    One table, so one key names one step whatever endpoint it is sent to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    request = models.CharField(max_length=200, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]


class CaseExport(models.Model):
    """A case list exported to xlsx in the worker (issue 21 §3): the list page's filters as the requester
    asked, bounded by a row cap, its progress read by the page, the file kept for a limited time and given
    to the requester only (cases/exports.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="case_exports",
        verbose_name=_("requester"),
    )
    params = models.JSONField(_("filters"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="cases/exports/", blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("case export")
        verbose_name_plural = _("case exports")
        indexes = [
            models.Index(fields=["requester", "-id"], name="caseexport_requester"),
            models.Index(fields=["expires_at"], name="caseexport_expires", condition=~Q(file="")),
        ]


class PhotoUpload(models.Model):
    """A photo sent in pieces by a phone on a poor connection (issue 23): the phone declares its size and
    SHA-256, sends pieces at the offset the server has reached, and names the finished upload in a report
    instead of sending the file. Only its owner sees it; the sweep deletes it once used or abandoned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    received = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The case whose attachment it became: its pieces are gone, the row stays until the sweep for a retry.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # When a step used it (a report, a verification, a task's form, which may have no case): the row stays
    # so that a retry of that step still finds it finished and sends the same request.
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["updated_at"], name="photo_upload_idle")]  # the sweep

    @property
    def used(self) -> bool:
        return self.used_at is not None or self.case_id is not None


class UploadPiece(models.Model):
    """One piece of a photo upload, at its byte offset. In the database, not on a web host's disk, so that
    any web process can take the next piece and a deleted upload takes its pieces with it."""

    upload = models.ForeignKey(PhotoUpload, on_delete=models.CASCADE, related_name="pieces")
    offset = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "offset"], name="upload_piece_offset")]

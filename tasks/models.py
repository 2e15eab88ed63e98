"""Work pushed down to grids: the admission list (网格事项准入清单), tasks and campaigns (任务下发).

* ``AdmissionList`` / ``AdmissionItem``: the items a district admits into grid work, versioned (a list is
  approved and takes effect on a date; earlier versions are kept). ``CategoryAdmission`` names the item a
  case category stands for, so a category dispatched to a grid team is checked against the list too.
* ``AdmissionRefusal``: every request refused because its item is not on the list in force (the centre's
  "burden" report counts them by department and month).
* ``Task`` (one per request, for many grids) → ``Assignment`` (one per grid) → ``Target`` (an object to visit)
  and ``TaskResult`` (a worker's form for an object, or for the grid); a finding links to the case it raised.
* ``TaskEvent``: every step, on the tasks' own hash-chained trail (gridgov/audit_chain.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov import audit_chain

AREA = "grids.Area"
TASK_EVENT_CHAIN = "task_events"


class GridAction(models.TextChoices):
    """What the grid does for an admitted item."""

    PATROL = "patrol", _("Patrol (巡查)")
    COLLECT = "collect", _("Collect (采集)")
    REPORT = "report", _("Report (上报)")
    ASSIST = "assist", _("Assist (协助)")


class AdmissionList(models.Model):
    """One approved version of the district's grid admission list; the one in force on a day is the latest
    whose ``effective_from`` is on or before it."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    approved_by = models.CharField(_("approved by"), max_length=100)
    approved_on = models.DateField(_("approved on"))
    effective_from = models.DateField(_("effective from"), unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("admission list")
        verbose_name_plural = _("admission lists")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class AdmissionItem(models.Model):
    admission_list = models.ForeignKey(
        AdmissionList, verbose_name=_("admission list"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    item_class = models.CharField(_("class"), max_length=64)
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("requesting department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="admission_items",
    )
    basis = models.TextField(_("legal or policy basis"))
    grid_action = models.CharField(_("what the grid does"), max_length=8, choices=GridAction.choices)
    frequency = models.CharField(_("frequency"), max_length=64, blank=True)
    workers_assignable = models.BooleanField(_("grid workers may be assigned"), default=True)

    class Meta:
        verbose_name = _("admitted item")
        verbose_name_plural = _("admitted items")
        ordering = ["admission_list", "code"]
        constraints = [
            models.UniqueConstraint(fields=["admission_list", "code"], name="admissionitem_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class CategoryAdmission(models.Model):
    """The admitted item (by code, in whichever list is in force) a case category stands for."""

    category = models.OneToOneField(
        "cases.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="admission"
    )
    item_code = models.CharField(_("item code"), max_length=16)

    class Meta:
        verbose_name = _("category admission")
        verbose_name_plural = _("category admissions")


class AdmissionRefusal(models.Model):
    """A request refused because its item is not on the list in force (kept for the burden report)."""

    class Kind(models.TextChoices):
        TASK = "task", _("Task pushed to grids")
        CASE_DISPATCH = "case_dispatch", _("Case dispatched to a grid team")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    department = models.ForeignKey(
        "grids.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=24, blank=True)
    item_code = models.CharField(_("item code"), max_length=16, blank=True)
    subject = models.CharField(_("what was asked"), max_length=200)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("admission refusal")
        verbose_name_plural = _("admission refusals")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="admissionrefusal_at")]


class TargetKind(models.TextChoices):
    NONE = "", _("No target objects (the grid as a whole)")
    BUILDING = "building", _("Buildings")
    PLACE = "place", _("Places")
    PERSON = "person", _("Persons with a tag")


class Task(models.Model):
    """A task (or campaign) sent to many grids at once."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        CLOSED = "closed", pgettext_lazy("task status", "Closed")

    title = models.CharField(_("title"), max_length=200)
    item = models.ForeignKey(
        AdmissionItem, verbose_name=_("admitted item"), on_delete=models.PROTECT, related_name="tasks"
    )
    instructions = models.TextField(_("instructions"), blank=True)
    # The form filled per object: Open311 attribute shapes, as categories use (cases/extra_fields.py).
    fields = models.JSONField(_("form fields"), default=list, blank=True)
    target_kind = models.CharField(
        _("target objects"), max_length=16, choices=TargetKind.choices, default="", blank=True
    )
    target_tag = models.ForeignKey(
        "residents.GroupTag", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How the grids were chosen, as given: {"subtree": code} | {"kind": …, "purpose": …} | {"grids": [codes]}.
    selection = models.JSONField(_("grids chosen by"), default=dict)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_area = models.ForeignKey(
        AREA,
        verbose_name=_("sending unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("requesting department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    starts_at = models.DateTimeField(_("starts"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    grids = models.PositiveIntegerField(_("grids"), default=0)
    targets = models.PositiveIntegerField(_("target objects"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=models.F("starts_at")), name="task_ends")
        ]

    def __str__(self):
        return self.title


class TaskAttachment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="tasks/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("task attachment")
        verbose_name_plural = _("task attachments")


class Assignment(models.Model):
    """A task's part for one grid: the grid leader hands it to workers, they fill it, the sender reviews."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to the grid")
        STARTED = "started", _("Started")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Sent back")
        ACCEPTED = "accepted", _("Accepted")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    # The grid's code, kept here so a subtree's assignments are an index range (grids/models.py:code_range_q).
    area_code = models.CharField(max_length=24)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    workers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="task_assignments")
    deadline = models.DateTimeField(_("deadline"))
    targets_total = models.PositiveIntegerField(default=0)
    targets_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("reason sent back"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["area_code"]
        constraints = [models.UniqueConstraint(fields=["task", "area"], name="assignment_one_per_grid")]
        indexes = [
            models.Index(fields=["area_code", "task"], name="assignment_area_task"),
            models.Index(fields=["task", "area_code"], name="assignment_task_area"),
            # The sweep's question: open assignments by deadline.
            models.Index(fields=["deadline"], name="assignment_open_due", condition=~Q(status="accepted")),
        ]

    def __str__(self):
        return f"{self.task} · {self.area_code}"


class Target(models.Model):
    """An object a grid visits for a task (a building, a place, a person with a tag)."""

    # A campaign writes 100,000 of these in one statement: the task is its assignment's (no constraint or
    # index of its own to maintain), and the assignment's index is the (assignment, done_at) one below.
    # Neither key is a database constraint: the only writer (tasks.services._targets_insert) joins every row
    # to an existing assignment of its task, and a deferred check of 100,000 rows cost 1.2 s of the commit
    # (bench/README.md); deletions cascade through the ORM as before.
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="target_rows", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    object_id = models.BigIntegerField()
    label = models.CharField(max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("target object")
        verbose_name_plural = _("target objects")
        ordering = ["assignment", "id"]
        indexes = [models.Index(fields=["assignment", "done_at"], name="target_assignment_done")]


class TaskResult(models.Model):
    """A worker's form for one object (or for the grid, without targets), with location and photos; a
    finding raises a case (``case``; the case reaches its results as ``case.task_results``)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="results")
    target = models.OneToOneField(
        Target, null=True, blank=True, on_delete=models.CASCADE, related_name="result"
    )
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(_("answers"), default=dict)
    note = models.TextField(_("note"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="task_results"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("task result")
        verbose_name_plural = _("task results")
        ordering = ["assignment", "id"]


class ResultPhoto(models.Model):
    """A photo of a filled form, stored re-encoded without its metadata (``cases.media``); the capture time
    and GPS position the camera wrote are read first and kept here, as a case's attachment keeps them."""

    result = models.ForeignKey(TaskResult, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="tasks/photos/%Y/%m/")
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("result photo")
        verbose_name_plural = _("result photos")


class TaskEventKind(models.TextChoices):
    CREATED = "created", _("Task sent")
    ASSIGNED = "assigned", _("Handed to workers")
    RESULT = "result", _("Form filled")
    FINDING = "finding", _("Finding reported as a case")
    SUBMITTED = "submitted", _("Submitted for review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Sent back")
    REMINDED = "reminded", _("Reminder sent")
    ESCALATED = "escalated", _("Overdue, escalated")
    CLOSED = "closed", _("Task closed")


class TaskEvent(audit_chain.ChainedLog):
    """One step of a task, append-only and hash-chained (the head sealed in ``TaskEventHead``)."""

    append_only_message = "Task events are append-only."

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TaskEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    comment = models.TextField(_("comment"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["task", "seq"], name="taskevent_task_seq")]

    def chain_content(self) -> dict:
        return {
            "task": self.task_id,
            "assignment": self.assignment_id,
            "kind": self.kind,
            "actor": self.actor_id,
            "at": self.at,
            "comment": self.comment,
            "payload": self.payload,
        }


class TaskEventHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the task-event chain."""

    class Meta:
        verbose_name = _("task-event chain head")
        verbose_name_plural = _("task-event chain heads")


audit_chain.register(TASK_EVENT_CHAIN, TaskEvent, TaskEventHead)

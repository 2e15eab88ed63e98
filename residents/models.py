"""The register (一张网的底数): buildings, dwellings, households, persons, places, group tags, visits.

Every row carries ``area`` (a grid or micro-grid) so one scoping rule, the area-code prefix, serves every
table. ID and phone numbers are never stored in clear: a Fernet token, a keyed hash for exact search and
the masked form for lists (see crypto.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov import audit_chain

from .catalogue import TAG_LABELS

AREA = "grids.Area"


class Building(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        MIXED = "mixed", _("Residential and commercial")
        SELF_BUILT = "self_built", _("Self-built house")
        OFFICE = "office", _("Office")
        OTHER = "other", _("Other")

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings")
    code = models.CharField(_("building code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.RESIDENTIAL)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    property_company = models.CharField(_("property company"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Dwelling(models.Model):
    class Use(models.TextChoices):
        OWNER_OCCUPIED = "owner_occupied", _("Owner-occupied")
        RENTED = "rented", _("Rented")
        VACANT = "vacant", _("Vacant")
        BUSINESS = "business", _("Business")

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="dwellings")
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="dwellings"
    )
    unit = models.CharField(pgettext_lazy("building unit", "unit"), max_length=16, blank=True)
    room = models.CharField(_("room"), max_length=16)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.OWNER_OCCUPIED)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="dwelling_unique_room")
        ]

    def __str__(self):
        unit = f"{self.unit}-" if self.unit else ""
        return f"{self.building.name} {unit}{self.room}"


class Household(models.Model):
    area = models.ForeignKey(
        AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="resident_households"
    )
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("dwelling"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    number = models.CharField(_("household number"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        indexes = [models.Index(fields=["area", "is_active"], name="household_area_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_active=True, left_on__isnull=True) | Q(is_active=False, left_on__isnull=False),
                name="household_left_iff_inactive",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.address}"


class Person(models.Model):
    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident identity card")
        PASSPORT = "passport", _("Passport")
        HK_MACAO = "hk_macao", _("Hong Kong/Macao permit")
        TAIWAN = "taiwan", _("Taiwan permit")
        FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID")
        OTHER = "other", _("Other")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("Registered (hukou)")
        FLOATING = "floating", _("Floating")
        FOREIGN = "foreign", _("Foreign")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    area = models.ForeignKey(
        AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="resident_persons"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
    )
    name = models.CharField(_("name"), max_length=64)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_cipher = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_mask = models.CharField(_("ID number"), max_length=40, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    residence_type = models.CharField(
        _("residence type"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    relation = models.CharField(
        _("household relation"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RESIDENT)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        permissions = [
            ("unmask_pii", _("Can see full ID and phone numbers (each look is logged)")),
            ("view_sensitive", _("Can see special-management group tags")),
        ]
        indexes = [
            models.Index(fields=["id_hash"], name="person_id_hash"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            models.Index(fields=["area", "status"], name="person_area_status"),
            models.Index(fields=["name"], name="person_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~Q(id_hash=""), name="person_unique_id_hash"
            ),
            models.CheckConstraint(
                condition=Q(status="moved_out", moved_out_on__isnull=False) | ~Q(status="moved_out"),
                name="person_moved_out_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="deceased", deceased_on__isnull=False) | ~Q(status="deceased"),
                name="person_deceased_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_resident(self):
        return self.status == self.Status.RESIDENT


class GroupTag(models.Model):
    """A group that gets priority service or management attention, with its visit interval."""

    class Category(models.TextChoices):
        PRIORITY_SERVICE = "priority_service", _("Priority service")
        SPECIAL_MANAGEMENT = "special_management", _("Special management")

    class Sensitivity(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SENSITIVE = "sensitive", _("Sensitive")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    sensitivity = models.CharField(_("sensitivity"), max_length=16, choices=Sensitivity.choices)
    visit_interval_days = models.PositiveSmallIntegerField(_("visit interval (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group tag")
        verbose_name_plural = _("group tags")
        ordering = ["category", "code"]
        constraints = [
            # Special management is always sensitive; a district may mark more groups sensitive.
            models.CheckConstraint(
                condition=~Q(category="special_management") | Q(sensitivity="sensitive"),
                name="grouptag_special_is_sensitive",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return str(TAG_LABELS.get(self.code, self.name))

    @property
    def is_sensitive(self):
        return self.sensitivity == self.Sensitivity.SENSITIVE


class PersonTag(models.Model):
    """A person's membership of a group, with its period; ended rows stay as history."""

    area = models.ForeignKey(AREA, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(GroupTag, on_delete=models.PROTECT, related_name="person_links")
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["person_id", "tag_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "tag"],
                condition=Q(ended_on__isnull=True),
                name="persontag_one_open_per_tag",
            )
        ]


class ResidenceChange(models.Model):
    """History of moves: a person into another household, or a household into another dwelling or grid."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person moved")
        HOUSEHOLD = "household", _("Household moved")
        MOVED_OUT = "moved_out", _("Moved out of the district")
        DECEASED = "deceased", _("Deceased")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="moves")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="moves"
    )
    from_area = models.ForeignKey(AREA, on_delete=models.PROTECT, related_name="+")
    to_area = models.ForeignKey(AREA, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_address = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=200, blank=True)
    happened_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("residence change")
        verbose_name_plural = _("residence changes")
        ordering = ["-happened_on", "-id"]


class Place(models.Model):
    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        RESTAURANT = "restaurant", _("Restaurant")
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        MARKET = "market", _("Market")
        HOTEL = "hotel", _("Hotel")
        CLINIC = "clinic", _("Clinic")
        OTHER = "other", _("Other")

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="places")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone_cipher = models.TextField(blank=True, editable=False)
    contact_phone_mask = models.CharField(_("contact phone"), max_length=32, blank=True, editable=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Visit(models.Model):
    class Method(models.TextChoices):
        DOOR = "door", _("At the door")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video")
        OUTSIDE = "outside", _("Met elsewhere")

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visited_at = models.DateTimeField(_("visited at"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.DOOR)
    notes = models.TextField(_("notes"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # The case a finding raised (cases.Case id; a plain column until the cases app has its model).
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["area", "visited_at"], name="visit_area_time"),
            models.Index(fields=["household", "visited_at"], name="visit_household_time"),
            models.Index(fields=["person", "visited_at"], name="visit_person_time"),
            models.Index(fields=["visitor", "visited_at"], name="visit_visitor_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(person__isnull=False) | Q(place__isnull=False),
                name="visit_has_target",
            )
        ]


class VisitTask(models.Model):
    """A priority person overdue for a visit, on the task list of the grid's workers (built daily)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("visit task", "Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    area = models.ForeignKey(AREA, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="visit_tasks")
    tag = models.ForeignKey(GroupTag, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"))
    last_visited_at = models.DateTimeField(_("last visited"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="open"), name="visittask_one_open_per_person"
            )
        ]
        indexes = [models.Index(fields=["area", "status"], name="visittask_area_status")]


PII_LOG_CHAIN = "pii_access"


class PiiAccessLog(audit_chain.ChainedLog):
    """Append-only and hash-chained (gridgov/audit_chain.py): every unmasked look at, and every export of,
    personal information."""

    append_only_message = "The personal-information access log is append-only."

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Unmasked view")
        EXPORT = "export", _("Export")
        EXPORT_UNMASKED = "export_unmasked", _("Unmasked export")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The subject's (or exported) area code at the time: kept as text so the row outlives tree changes.
    area_code = models.CharField(_("area"), max_length=24, db_index=True)
    fields = models.JSONField(_("fields"), default=list)
    subject_count = models.PositiveIntegerField(_("persons"), default=1)
    reason = models.CharField(_("reason"), max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    # Set before the hash is computed (auto_now_add would overwrite it after).
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("personal-information access")
        verbose_name_plural = _("personal-information access log")
        ordering = ["-created_at", "-id"]

    def chain_content(self) -> dict:
        return pii_log_content(self)


def pii_log_content(row) -> dict:
    """The audited fields of an access-log row, as the chain hashes them (a plain function: the migration
    that chained the rows written before the chain existed uses the same definition)."""
    return {
        "actor": row.actor_id,
        "action": row.action,
        "person": row.person_id,
        "area_code": row.area_code,
        "fields": list(row.fields or []),
        "subject_count": row.subject_count,
        "reason": row.reason,
        "remote_addr": audit_chain.ip_text(row.remote_addr),
        "created_at": row.created_at,
    }


class PiiAccessLogHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the access-log chain: a deleted tail shows against it."""

    class Meta:
        verbose_name = _("access-log chain head")
        verbose_name_plural = _("access-log chain heads")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    area = models.ForeignKey(AREA, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="residents/imports/%Y/%m/")
    file_name = models.CharField(max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    @property
    def percent(self):
        return (
            int(100 * self.processed_rows / self.total_rows)
            if self.total_rows
            else (100 if self.status == "done" else 0)
        )


audit_chain.register(PII_LOG_CHAIN, PiiAccessLog, PiiAccessLogHead)

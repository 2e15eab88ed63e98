"""The administrative tree (district → street → community → grid → micro-grid), users and memberships.

Subtree queries use the area code as a materialised path: every child's code starts with its parent's
(GB/T 2260 county code + 3 digits per level), so the street 430104001 is the code range
[430104001, 430104002) — a plain B-tree range scan on both PostgreSQL and SQLite (neither uses an index
for ``LIKE 'x%'`` under every collation; a range always does).
"""

from itertools import pairwise

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .geometry import derive_extent


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username


class Level(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    MICROGRID = "microgrid", _("Micro-grid")


# Code length per level: 6-digit county code, then 3 digits per level down to the micro-grid.
CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15, Level.MICROGRID: 18}
LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID, Level.MICROGRID]
PARENT_LEVEL = {child: parent for parent, child in pairwise(LEVEL_ORDER)}


class AreaKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
    DEDICATED = "dedicated", _("Dedicated grid")


class DedicatedPurpose(models.TextChoices):
    NONE = "", _("None")
    MARKET = "market", _("Market")
    CAMPUS = "campus", _("Campus")
    BUSINESS = "business", _("Business district")
    ENTERPRISE = "enterprise", _("Enterprise")


def code_range_q(field_name: str, prefix: str) -> Q:
    """Rows whose code field starts with ``prefix``, written as an index-friendly range."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})


class AreaQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def subtree(self, code):
        """The area with this code and everything below it (an index range scan on the code)."""
        return self.filter(code_range_q("code", code))

    def ancestors_of(self, code):
        prefixes = [code[:n] for n in CODE_LENGTH.values() if n < len(code)]
        return self.filter(code__in=prefixes)


class Area(models.Model):
    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=AreaKind.choices, default=AreaKind.COMPREHENSIVE
    )
    purpose = models.CharField(
        _("dedicated purpose"), max_length=16, choices=DedicatedPurpose.choices, default="", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon, lon/lat). bbox and centroid are derived on save.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    centroid_lon = models.FloatField(null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(null=True, blank=True, editable=False)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "is_active"], name="area_level_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="dedicated") | Q(purpose=""), name="area_purpose_only_dedicated"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, retired_at__isnull=True)
                | Q(is_active=False, retired_at__isnull=False),
                name="area_retired_iff_inactive",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.min_lon, self.min_lat, self.max_lon, self.max_lat, self.centroid_lon, self.centroid_lat = (
            derive_extent(self.boundary)
        )
        super().save(*args, **kwargs)

    def clean(self):
        expected = CODE_LENGTH.get(self.level)
        if expected and (len(self.code) != expected or not self.code.isdigit()):
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)s digits.")
                    % {"level": self.get_level_display(), "n": expected}
                }
            )
        if self.level == Level.DISTRICT:
            if self.parent_id:
                raise ValidationError({"parent": _("A district has no parent.")})
        elif self.parent is None or self.parent.level != PARENT_LEVEL[self.level]:
            raise ValidationError({"parent": _("The parent must be one level up.")})
        elif not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("The code must start with the parent's code.")})
        if self.kind != AreaKind.DEDICATED and self.purpose:
            raise ValidationError({"purpose": _("Only a dedicated grid has a purpose.")})

    @property
    def place_name(self) -> str:
        """The area as a grid worker names it: a micro-grid with its grid ("第1网格 · 4栋"), else its name.

        Lists that show it load ``parent`` with the area (``select_related("area__parent")``)."""
        if self.level == Level.MICROGRID and self.parent_id:
            return f"{self.parent.name} · {self.name}"
        return self.name

    @property
    def level_rank(self):
        return LEVEL_ORDER.index(self.level)

    def ancestors(self):
        return Area.objects.ancestors_of(self.code).order_by("code")

    def descendants(self, include_self=False):
        qs = Area.objects.subtree(self.code)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other: "Area") -> bool:
        return self.code.startswith(other.code)


class AreaChange(models.Model):
    """Grid adjustment (动态调整): a split, merge or redraw, with the areas it retired and created."""

    class Kind(models.TextChoices):
        SPLIT = "split", _("Split")
        MERGE = "merge", _("Merge")
        REDRAW = "redraw", _("Redraw")
        RETIRE = "retire", _("Retire")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    retired = models.ManyToManyField(Area, related_name="retired_by_changes", blank=True)
    created = models.ManyToManyField(Area, related_name="created_by_changes", blank=True)
    # A redraw keeps the area and records its previous boundary here.
    previous_boundaries = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("area change")
        verbose_name_plural = _("area changes")
        ordering = ["-created_at"]


class BoundaryRevision(models.Model):
    """One row whose counter moves whenever any boundary changes, so every process rebuilds its index."""

    counter = models.BigIntegerField(default=0)

    @classmethod
    def bump(cls):
        updated = cls.objects.filter(pk=1).update(counter=F("counter") + 1)
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"counter": 1})

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("counter", flat=True).first() or 0


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    GRID_LEADER = "grid_leader", _("Grid leader")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_STAFF = "street_staff", _("Street staff")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    DISTRICT_CENTRE = "district_centre", _("District centre")
    LEADER_READONLY = "leader_readonly", _("Read-only leader")


# The level at which each area-based role normally sits (used to validate memberships).
ROLE_LEVELS = {
    Role.GRID_WORKER: {Level.GRID, Level.MICROGRID},
    Role.GRID_LEADER: {Level.GRID},
    Role.COMMUNITY_STAFF: {Level.COMMUNITY},
    Role.STREET_STAFF: {Level.STREET},
    Role.DISTRICT_CENTRE: {Level.DISTRICT},
    Role.LEADER_READONLY: {Level.DISTRICT, Level.STREET, Level.COMMUNITY},
    Role.DEPARTMENT_HANDLER: set(LEVEL_ORDER),
}
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE}
GRID_TEAM_ROLES = {Role.GRID_WORKER, Role.GRID_LEADER}


class Department(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The area the department belongs to (normally the district) and the subtrees it serves.
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="departments")
    covered_areas = models.ManyToManyField(Area, related_name="covering_departments", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        # The table keeps the name it had when departments lived in dispatch (moved without a data change).
        db_table = "dispatch_department"

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user holds a role in an area (and, for handlers, a department). A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "role"],
                condition=Q(department__isnull=True),
                name="membership_unique_area_role",
            ),
            models.UniqueConstraint(
                fields=["user", "department"],
                condition=Q(department__isnull=False),
                name="membership_unique_department",
            ),
            models.CheckConstraint(
                condition=Q(role="department_handler", department__isnull=False)
                | (~Q(role="department_handler") & Q(department__isnull=True)),
                name="membership_department_iff_handler",
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.area.name}"

    def clean(self):
        if self.area_id and self.role and self.area.level not in ROLE_LEVELS[self.role]:
            raise ValidationError({"area": _("This role does not sit at this level of the tree.")})
        if (self.role == Role.DEPARTMENT_HANDLER) != bool(self.department_id):
            raise ValidationError(
                {"department": _("A department handler needs a department, other roles none.")}
            )


class AdminChange(models.Model):
    """An admin add, change or delete of a user, membership, department or routing rule: append-only.

    Django's LogEntry keeps a message, and its rows can be edited; these keep the fields with their values
    before and after (never a password hash), and refuse updates and deletes.
    """

    class Action(models.TextChoices):
        ADD = "add", _("Added")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(_("by"), max_length=150)  # kept when the account is gone
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    model = models.CharField(_("model"), max_length=100)  # app_label.model_name
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    # {field: [before, after]}; a deletion keeps the last values as before.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("admin change")
        verbose_name_plural = _("admin changes")
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Admin changes are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Admin changes are append-only.")

"""The community's own governance: the "1+X" team around each grid, volunteers and their points (微积分).

* ``PartyBranch``: a grid party branch or group (网格党支部/党小组).
* ``TeamMember``: one seat on a grid's "1+X" team (community police, stairwell leader, micro-grid liaison,
  party member incl. 双报到, volunteer, full-/part-time grid worker, property staff), with a *work* phone
  shown on the public contact card; linked to a register person where there is one.
* ``Volunteer``: a resident registered with a community (a micro-grid liaison is a volunteer with
  ``is_liaison``); ``balance`` is kept by the ledger writer (``services._ledger_write``) only.
* ``PointRule``: what an activity type earns in a community; ``Activity`` / ``Participation``: sign-up,
  check-in on site and hours; ``Reward`` (catalogue with stock) / ``Redemption`` (at the community desk).
* ``PointEntry``: the append-only, hash-chained ledger (earn, adjust, redeem); ``MonthlyPoints``: the points
  a volunteer earned in a month, kept by the ledger writer, for the rankings.
* ``Council`` (议事会 / 四方议事) of a community or micro-grid with its ``CouncilMember``s by role;
  ``Meeting`` with ``AgendaItem``s, the members present, minutes, ``Decision``s with each present member's
  ``Vote``, and ``FollowUp`` actions; ``CouncilEvent``: the councils' hash-chained trail.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov import audit_chain

AREA = "grids.Area"
POINT_CHAIN = "point_entries"


class TeamRole(models.TextChoices):
    COMMUNITY_POLICE = "community_police", _("Community police (社区民警)")
    STAIRWELL_LEADER = "stairwell_leader", _("Stairwell leader (楼栋长)")
    LIAISON = "liaison", _("Micro-grid liaison (微网格联络员)")
    PARTY_MEMBER = "party_member", _("Party member (党员)")
    VOLUNTEER = "volunteer", _("Volunteer (志愿者)")
    GRID_WORKER_FULL = "grid_worker_full", _("Full-time grid worker (专职网格员)")
    GRID_WORKER_PART = "grid_worker_part", _("Part-time grid worker (兼职网格员)")
    PROPERTY_STAFF = "property_staff", _("Property staff (物业人员)")


class PartyBranch(models.Model):
    class Kind(models.TextChoices):
        BRANCH = "branch", _("Grid party branch (网格党支部)")
        GROUP = "group", _("Party group (党小组)")

    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BRANCH)
    secretary = models.CharField(_("secretary"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["area__code", "name"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    area = models.ForeignKey(AREA, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    name = models.CharField(_("name"), max_length=64)
    person = models.ForeignKey(
        "residents.Person",
        verbose_name=_("register person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_phone = models.CharField(_("work phone"), max_length=32, blank=True)
    duty = models.CharField(_("duty"), max_length=100, blank=True)
    building = models.CharField(_("building"), max_length=64, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    dual_registered = models.BooleanField(_("registered with the community (双报到)"), default=False)
    branch = models.ForeignKey(
        PartyBranch,
        verbose_name=_("party branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    on_public_card = models.BooleanField(_("on the public contact card"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["area__code", "role", "id"]
        indexes = [models.Index(fields=["area", "is_active"], name="teammember_area_active")]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class Volunteer(models.Model):
    community = models.ForeignKey(
        AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        AREA, verbose_name=_("grid or micro-grid"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(max_length=24, editable=False, db_index=True)
    person = models.ForeignKey(
        "residents.Person", verbose_name=_("register person"), on_delete=models.PROTECT, related_name="+"
    )
    is_liaison = models.BooleanField(_("micro-grid liaison"), default=False)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=True)
    balance = models.IntegerField(_("points balance"), default=0, editable=False)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "person"], name="volunteer_unique_person"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="volunteer_balance_not_negative"),
        ]

    def __str__(self):
        return self.person.name


class ActivityType(models.TextChoices):
    PATROL = "patrol", _("Safety patrol (平安巡逻)")
    CLEANUP = "cleanup", _("Environment clean-up (环境整治)")
    ELDERLY = "elderly", _("Visiting the elderly (关爱老人)")
    MEDIATION = "mediation", _("Helping mediate (协助调解)")
    PUBLICITY = "publicity", _("Publicity (政策宣传)")
    OTHER = "other", _("Other (其他)")


class PointRule(models.Model):
    community = models.ForeignKey(
        AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    activity_type = models.CharField(_("activity type"), max_length=16, choices=ActivityType.choices)
    points_per_attendance = models.PositiveIntegerField(_("points per attendance"), default=0)
    points_per_hour = models.PositiveIntegerField(_("points per hour"), default=0)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["community__code", "activity_type"]
        constraints = [
            models.UniqueConstraint(fields=["community", "activity_type"], name="pointrule_unique_type")
        ]

    def __str__(self):
        return f"{self.get_activity_type_display()}"


class Activity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for sign-up")
        COMPLETED = "completed", _("Completed, points awarded")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    activity_type = models.CharField(_("activity type"), max_length=16, choices=ActivityType.choices)
    title = models.CharField(_("title"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"), default=20)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The task (a campaign needing volunteers) the activity was created from; its page lists it back.
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after")
        ]

    def __str__(self):
        return self.title


class Participation(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="participations"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="participations"
    )
    signed_up_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["activity", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="participation_unique")]


class Reward(models.Model):
    community = models.ForeignKey(
        AREA, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    points_cost = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["community__code", "points_cost", "id"]
        constraints = [models.CheckConstraint(condition=Q(points_cost__gt=0), name="reward_costs_points")]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="redemptions"
    )
    reward = models.ForeignKey(Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points = models.PositiveIntegerField(_("points"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A retried or double-submitted redemption carries the same token and is applied once.
    request_token = models.CharField(max_length=128, unique=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-at", "-id"]


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    ADJUST = "adjust", _("Adjusted")
    REDEEM = "redeem", _("Redeemed")


class PointEntry(audit_chain.ChainedLog):
    """One movement of a volunteer's points, append-only and hash-chained (head in ``PointEntryHead``)."""

    append_only_message = "Point entries are append-only."

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        ordering = ["seq"]
        indexes = [models.Index(fields=["volunteer", "seq"], name="pointentry_volunteer_seq")]
        constraints = [
            models.UniqueConstraint(
                fields=["participation"],
                condition=Q(kind="earn"),
                name="pointentry_one_earn_per_participation",
            )
        ]

    def chain_content(self) -> dict:
        return {
            "volunteer": self.volunteer_id,
            "kind": self.kind,
            "points": self.points,
            "balance_after": self.balance_after,
            "at": self.at,
            "actor": self.actor_id,
            "reason": self.reason,
            "participation": self.participation_id,
            "redemption": self.redemption_id,
        }


class PointEntryHead(audit_chain.ChainHead):
    class Meta:
        verbose_name = _("point-ledger chain head")
        verbose_name_plural = _("point-ledger chain heads")


class MonthlyPoints(models.Model):
    """Points a volunteer earned (earn and adjust entries) in a month, kept by the ledger writer: a month's
    ranking for a district reads these rows, not the ledger."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first of the month
    area_code = models.CharField(max_length=24)
    earned = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly points")
        verbose_name_plural = _("monthly points")
        constraints = [models.UniqueConstraint(fields=["volunteer", "month"], name="monthlypoints_unique")]
        indexes = [
            models.Index(fields=["month", "area_code", "earned"], name="monthlypoints_rank"),
            # A month's top N read in order, the area filtered on the way: a street or a district stops
            # after a few hundred rows instead of sorting all of the month's.
            models.Index(fields=["month", "-earned", "volunteer"], name="monthlypoints_top"),
        ]


audit_chain.register(POINT_CHAIN, PointEntry, PointEntryHead)


# -- deliberation councils (议事会 / 四方议事) -------------------------------------------------------------

COUNCIL_CHAIN = "council_events"


class CouncilRole(models.TextChoices):
    PARTY = "party", _("Community party organisation (社区党组织)")
    PROPERTY = "property", _("Property company (物业企业)")
    OWNERS = "owners", _("Owners' committee (业主委员会)")
    RESIDENTS = "residents", _("Residents' representative (居民代表)")
    OTHER = "other", _("Other (其他)")


class Council(models.Model):
    area = models.ForeignKey(
        AREA, verbose_name=_("community or micro-grid"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(max_length=24, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    # A meeting is quorate when more than this share (in percent) of the active members are present.
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (more than % of members present)"), default=50
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["area_code", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quorum_percent__lt=100), name="council_quorum_below_100")
        ]

    def __str__(self):
        return self.name


class CouncilMember(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(_("role"), max_length=12, choices=CouncilRole.choices)
    name = models.CharField(_("name"), max_length=64)
    team_member = models.ForeignKey(
        TeamMember,
        verbose_name=_("team member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "residents.Person",
        verbose_name=_("register person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        ordering = ["council", "role", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class Meeting(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100)
    minutes = models.TextField(_("minutes"), blank=True)
    present = models.ManyToManyField(CouncilMember, verbose_name=_("members present"), related_name="+")
    members_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    quorate = models.BooleanField(_("quorate"), default=False, editable=False)
    notice = models.ForeignKey(
        "notices.Notice",
        verbose_name=_("public notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return f"{self.council} {self.held_at:%Y-%m-%d}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="agenda"
    )
    text = models.CharField(_("agenda item"), max_length=300)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An item raised by a task (its findings, its campaign) rather than a case.
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "id"]


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.CharField(_("decision"), max_length=500)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstain"), default=0)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("council decision")
        verbose_name_plural = _("council decisions")
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.text


class Vote(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=8, choices=VoteChoice.choices)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["decision", "id"]
        constraints = [models.UniqueConstraint(fields=["decision", "member"], name="vote_once_per_member")]


class FollowUp(models.Model):
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    what = models.CharField(_("what"), max_length=300)
    who = models.CharField(_("who"), max_length=100)
    deadline = models.DateField(_("deadline"))
    # What the action became, chosen by the desk: a task to the grids concerned or a case (never both).
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=True) | Q(case__isnull=True), name="followup_task_or_case"
            )
        ]


class CouncilEventKind(models.TextChoices):
    CREATED = "created", _("Council formed")
    HELD = "held", _("Meeting recorded")
    DECIDED = "decided", _("Decision voted")
    PUBLISHED = "published", _("Decisions published")
    RAISED = "raised", _("Follow-up raised as a task or case")


class CouncilEvent(audit_chain.ChainedLog):
    """One step of a council, append-only and hash-chained (head in ``CouncilEventHead``)."""

    append_only_message = "Council events are append-only."

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="events")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=CouncilEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("council event")
        verbose_name_plural = _("council events")
        ordering = ["seq"]

    def chain_content(self) -> dict:
        return {
            "council": self.council_id,
            "meeting": self.meeting_id,
            "kind": self.kind,
            "actor": self.actor_id,
            "at": self.at,
            "payload": self.payload,
        }


class CouncilEventHead(audit_chain.ChainHead):
    class Meta:
        verbose_name = _("council-event chain head")
        verbose_name_plural = _("council-event chain heads")


class VolunteerNoticeReceipt(models.Model):
    """A volunteer or liaison has read a notice on their phone page (they have no login: the receipt is the
    volunteer's, as a staff member's is the user's in ``notices.NoticeReceipt``)."""

    notice = models.ForeignKey("notices.Notice", on_delete=models.CASCADE, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="notice_receipts")
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("volunteer's read receipt")
        verbose_name_plural = _("volunteers' read receipts")
        constraints = [
            models.UniqueConstraint(fields=["notice", "volunteer"], name="volunteer_notice_receipt_once")
        ]


audit_chain.register(COUNCIL_CHAIN, CouncilEvent, CouncilEventHead)

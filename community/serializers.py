"""Serializers of the community API: output shapes, and inputs parsed for the services (they check the rules).

Areas are given by code and persons by id, each looked up in the caller's own scope (someone else's area is
“not found” as a 400 on the field, never confirmed). Persons appear masked, as the register shows them."""

from rest_framework import serializers

from grids.models import Area
from grids.scope import scoped
from residents.models import Person

from .models import (
    Activity,
    ActivityType,
    AgendaItem,
    Council,
    CouncilMember,
    CouncilRole,
    Decision,
    EntryKind,
    FollowUp,
    Meeting,
    Participation,
    PartyBranch,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    TeamMember,
    TeamRole,
    Volunteer,
    VoteChoice,
)


class ScopedAreaField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.filter(is_active=True), **kwargs)

    def get_queryset(self):
        return scoped(self.context["request"].user, super().get_queryset())


class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Person.objects.select_related("area"), **kwargs)

    def get_queryset(self):
        return scoped(self.context["request"].user, super().get_queryset())


class PartyBranchSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = PartyBranch
        fields = ["id", "area", "name", "kind", "secretary"]


class TeamMemberSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    role = serializers.ChoiceField(choices=TeamRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    person = ScopedPersonField(required=False, allow_null=True)
    branch = serializers.PrimaryKeyRelatedField(
        queryset=PartyBranch.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = TeamMember
        fields = [
            "id",
            "area",
            "role",
            "role_label",
            "name",
            "person",
            "work_phone",
            "duty",
            "building",
            "work_unit",
            "dual_registered",
            "branch",
            "on_public_card",
            "is_active",
        ]
        read_only_fields = ["is_active"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["branch"].queryset = scoped(request.user, PartyBranch.objects.all())
        return fields


class VolunteerSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area = ScopedAreaField(required=False)
    person = ScopedPersonField(write_only=True)
    name = serializers.CharField(source="person.name", read_only=True)
    phone = serializers.CharField(source="person.phone_mask", read_only=True, help_text="masked")

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "community",
            "area",
            "person",
            "name",
            "phone",
            "is_liaison",
            "skills",
            "availability",
            "registered_at",
            "is_active",
            "balance",
        ]
        read_only_fields = ["registered_at", "is_active", "balance"]


class PointRuleSerializer(serializers.ModelSerializer):
    community = ScopedAreaField()
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)

    class Meta:
        model = PointRule
        fields = ["id", "community", "activity_type", "points_per_attendance", "points_per_hour"]


class RewardSerializer(serializers.ModelSerializer):
    community = ScopedAreaField()

    class Meta:
        model = Reward
        fields = ["id", "community", "name", "points_cost", "stock", "is_active"]
        read_only_fields = ["is_active"]


class ParticipationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="volunteer.person.name", read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "activity", "volunteer", "name", "signed_up_at", "checked_in_at", "hours", "points"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    community = ScopedAreaField()
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    status = serializers.CharField(read_only=True)
    signed_up = serializers.IntegerField(read_only=True, required=False)
    task = serializers.IntegerField(
        source="task_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="the task (a campaign needing volunteers) the activity is created for, linked",
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "task",
            "community",
            "activity_type",
            "title",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "status",
            "signed_up",
        ]


class SignUpSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1)


class CheckInSerializer(serializers.Serializer):
    participation = serializers.IntegerField(min_value=1)


class PointEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices, read_only=True)

    class Meta:
        model = PointEntry
        fields = ["id", "seq", "volunteer", "kind", "points", "balance_after", "at", "reason", "hash"]
        read_only_fields = fields


class AdjustSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=-100000, max_value=100000)
    reason = serializers.CharField(max_length=200)


class RedeemSerializer(serializers.Serializer):
    reward = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class RedemptionSerializer(serializers.ModelSerializer):
    reward_name = serializers.CharField(source="reward.name", read_only=True)

    class Meta:
        model = Redemption
        fields = ["id", "volunteer", "reward", "reward_name", "quantity", "points", "at"]
        read_only_fields = fields


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    volunteer = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.CharField()
    earned = serializers.IntegerField()


# -- councils -----------------------------------------------------------------------------------------------


class CouncilMemberSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=CouncilRole.choices)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    team_member = serializers.PrimaryKeyRelatedField(
        queryset=TeamMember.objects.select_related("area"), required=False, allow_null=True
    )
    person = ScopedPersonField(required=False, allow_null=True)

    class Meta:
        model = CouncilMember
        fields = ["id", "role", "role_label", "name", "organisation", "team_member", "person", "is_active"]
        read_only_fields = ["is_active"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["team_member"].queryset = scoped(request.user, TeamMember.objects.select_related("area"))
        return fields


class CouncilSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    members = CouncilMemberSerializer(many=True)

    class Meta:
        model = Council
        fields = ["id", "area", "name", "quorum_percent", "members", "created_at"]
        read_only_fields = ["created_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    case = serializers.CharField(
        source="case.number", required=False, allow_blank=True, allow_null=True, help_text="a case number"
    )
    task = serializers.IntegerField(
        source="task_id", required=False, allow_null=True, min_value=1, help_text="a task id"
    )

    class Meta:
        model = AgendaItem
        fields = ["id", "text", "case", "task"]


class CouncilFollowUpSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", read_only=True, help_text="the task it became")
    case = serializers.IntegerField(source="case_id", read_only=True, help_text="the case it became")

    class Meta:
        model = FollowUp
        fields = ["id", "what", "who", "deadline", "task", "case"]


class FollowUpRaiseSerializer(serializers.Serializer):
    follow_up = serializers.IntegerField(min_value=1, help_text="a follow-up action of this meeting")
    carry_out_as = serializers.ChoiceField(choices=[("task", "task"), ("case", "case")])
    item = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="task: an item of the admission list"
    )
    grids = serializers.ListField(
        child=serializers.CharField(max_length=24),
        required=False,
        max_length=500,
        help_text="task: grid codes (default: every grid of the council's area)",
    )
    category = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="case")
    grid = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="case: grid id")


class DecisionSerializer(serializers.ModelSerializer):
    follow_ups = CouncilFollowUpSerializer(many=True, read_only=True)
    votes = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "passed",
            "votes",
            "follow_ups",
        ]
        read_only_fields = fields

    def get_votes(self, decision) -> dict[str, str]:
        return {str(v.member_id): v.choice for v in decision.votes.all()}


class MeetingSerializer(serializers.ModelSerializer):
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    present = serializers.PrimaryKeyRelatedField(queryset=CouncilMember.objects.all(), many=True)
    agenda = AgendaItemSerializer(many=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "council",
            "held_at",
            "place",
            "agenda",
            "present",
            "members_count",
            "quorate",
            "minutes",
            "decisions",
            "notice",
        ]
        read_only_fields = ["members_count", "quorate", "notice"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["council"].queryset = scoped(request.user, Council.objects.select_related("area"))
        return fields


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    votes = serializers.DictField(
        child=serializers.ChoiceField(choices=VoteChoice.choices), help_text="member id → for/against/abstain"
    )
    follow_ups = CouncilFollowUpSerializer(many=True, required=False)

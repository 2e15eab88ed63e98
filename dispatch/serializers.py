from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import CaseLevel, Category, LimitUnit
from grids.models import Area, Department

from .models import CaseAssist, Notification, RoutingRule, TeamKind, Whistle, WhistleCall


def _active_departments():
    return Department.objects.filter(is_active=True)


class DepartmentSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    covered_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "area", "covered_areas", "is_active"]


class RoutingRuleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    owner_area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.active())
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.active(), required=False, allow_null=True
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=_active_departments(), required=False, allow_null=True
    )
    level = serializers.ChoiceField(choices=[("", "")] + list(CaseLevel.choices), required=False, default="")
    team = serializers.ChoiceField(choices=[("", "")] + list(TeamKind.choices), required=False, default="")

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "category",
            "owner_area",
            "area",
            "level",
            "department",
            "team",
            "priority",
            "is_active",
        ]


class SuggestionSerializer(serializers.Serializer):
    department = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    name = serializers.CharField(source="unit_name")
    rule = serializers.SerializerMethodField()
    reason = serializers.CharField()

    def get_department(self, s) -> str | None:
        return s.department.code if s.department else None

    def get_team(self, s) -> str | None:
        return s.team.code if s.team else None

    def get_rule(self, s) -> int | None:
        return s.rule.pk if s.rule else None


class WhistleCallSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WhistleCall
        fields = [
            "id",
            "department",
            "department_name",
            "arrive_by",
            "status",
            "arrived_at",
            "arrived_by",
            "arrival_lat",
            "arrival_lon",
            "arrival_note",
        ]


class WhistleSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    calls = WhistleCallSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = ["id", "case", "area", "summoned_by", "reason", "arrive_by", "created_at", "calls"]


class WhistleSummonSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    departments = serializers.SlugRelatedField(
        slug_field="code", queryset=_active_departments(), many=True, allow_empty=False
    )
    reason = serializers.CharField()
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=30)


class WhistleArriveSerializer(serializers.Serializer):
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        help_text=_("Needed only when you handle for several summoned departments."),
    )
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class CaseAssistSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CaseAssist
        fields = ["id", "case", "department", "status", "due_at", "answer", "answered_by", "answered_at"]


class AssistRequestSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    departments = serializers.SlugRelatedField(
        slug_field="code", queryset=_active_departments(), many=True, allow_empty=False
    )
    amount = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    unit = serializers.ChoiceField(choices=LimitUnit.choices, required=False)

    def validate(self, data):
        if ("amount" in data) != ("unit" in data):
            raise serializers.ValidationError({"unit": [_("Give both amount and unit, or neither.")]})
        return data


class AssistAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    case_url = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "priority", "title", "body", "case", "case_url", "created_at", "read_at"]

    def get_case_url(self, n) -> str | None:
        return f"/api/v1/cases/{n.case_id}/" if n.case_id else None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Your unread notifications.")


class MarkReadSerializer(serializers.Serializer):
    # Bounded to the id column's range: a larger number is not an id (SQLite cannot even bind it).
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, allow_empty=False
    )

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import selectors
from .models import Hotspot, RiskScore, RiskSettings, RiskWarning


class ComponentPartSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    explains = serializers.CharField()
    value = serializers.FloatField(help_text="What the component counts in this grid.")
    weight = serializers.FloatField(help_text="The district's weight of the component.")
    points = serializers.FloatField(help_text="value × weight: its share of the score.")


class RiskScoreSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    parts = serializers.SerializerMethodField(help_text="The components, largest share first.")

    class Meta:
        model = RiskScore
        fields = [
            "id",
            "area",
            "area_code",
            "area_name",
            "day",
            "score",
            "level",
            "level_display",
            "parts",
            "computed_at",
        ]

    @extend_schema_field(ComponentPartSerializer(many=True))
    def get_parts(self, score):
        return ComponentPartSerializer(selectors.parts_of(score), many=True).data


class HotspotCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    address = serializers.CharField()
    reported_at = serializers.DateTimeField()


class HotspotSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    cases = HotspotCaseSerializer(many=True, read_only=True)

    class Meta:
        model = Hotspot
        fields = [
            "id",
            "day",
            "area",
            "area_code",
            "area_name",
            "category",
            "category_name",
            "lat",
            "lon",
            "case_count",
            "first_at",
            "last_at",
            "cases",
        ]


class WarningSerializer(serializers.ModelSerializer):
    rule_display = serializers.CharField(source="get_rule_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    reason = serializers.CharField(read_only=True, help_text="Why the rule fired, in the reader's language.")
    unit_name = serializers.CharField(read_only=True, help_text="The unit that answers for the warning.")

    class Meta:
        model = RiskWarning
        fields = [
            "id",
            "rule",
            "rule_display",
            "area",
            "area_code",
            "area_name",
            "reason",
            "facts",
            "status",
            "status_display",
            "opened_at",
            "acknowledged_at",
            "closed_at",
            "outcome",
            "unit_name",
            "unit_code",
            "unit_department",
            "due_at",
            "escalation_level",
        ]


class WarningTransferSerializer(serializers.Serializer):
    area_code = serializers.CharField(
        required=False, allow_blank=True, max_length=24, default="", help_text="A street or community."
    )
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(max_length=2000, help_text="Why the warning goes to that unit.")


class WarningEscalateSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class WarningAcknowledgeSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class WarningCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000, help_text="What was done about the warning.")


class RiskSettingsSerializer(serializers.ModelSerializer):
    district_code = serializers.CharField(source="district.code", read_only=True)
    weights = serializers.DictField(
        child=serializers.FloatField(), required=False, help_text="{component key: weight from 0 to 100}"
    )

    class Meta:
        model = RiskSettings
        fields = [
            "id",
            "district",
            "district_code",
            "weights",
            "window_days",
            "yellow_at",
            "red_at",
            "hotspot_cell_m",
            "hotspot_min_cases",
            "rising_factor",
            "rising_min_cases",
            "visit_grace_days",
            "computed_on",
            "updated_at",
        ]
        read_only_fields = ["district", "computed_on", "updated_at"]
        extra_kwargs = {
            "window_days": {"min_value": 1, "max_value": 366},
            "hotspot_cell_m": {"min_value": 20, "max_value": 2000},
            "hotspot_min_cases": {"min_value": 2, "max_value": 1000},
            "rising_min_cases": {"min_value": 1, "max_value": 10000},
            "visit_grace_days": {"max_value": 365},
            "yellow_at": {"min_value": 0},
            "red_at": {"min_value": 0},
            "rising_factor": {"min_value": 1},
        }


class RecomputeSummarySerializer(serializers.Serializer):
    day = serializers.DateField()
    grids = serializers.IntegerField()
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    hotspots = serializers.IntegerField()
    warnings_opened = serializers.IntegerField()
    overdue_rates = serializers.IntegerField(
        help_text="Stored overdue rates for the predicted overdue (§17.1)."
    )

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import ReportSnapshot, Star, StarAward


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSnapshot
        fields = ["id", "kind", "scope_code", "period_start", "period_end", "as_of", "generated_at", "data"]


class SnapshotListSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSnapshot
        fields = ["id", "kind", "scope_code", "period_start", "period_end", "as_of", "generated_at"]


class StarAwardSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()

    class Meta:
        model = StarAward
        fields = [
            "id",
            "grid",
            "grid_code",
            "period_month",
            "month",
            "star",
            "awarded",
            "note",
            "figures",
            "evaluator",
            "decided_at",
        ]

    def get_month(self, obj) -> str:
        return f"{obj.period_month // 100}-{obj.period_month % 100:02d}"


class StarAwardInputSerializer(serializers.Serializer):
    grid = serializers.IntegerField(help_text=_("Grid id"))
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": _("Enter a month as YYYY-MM.")}
    )
    star = serializers.ChoiceField(choices=Star.choices)
    awarded = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DrillRowSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()

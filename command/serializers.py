from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import PatrolPosition


class PatrolPointSerializer(serializers.Serializer):
    """One point a worker's phone sends while on patrol."""

    lat = serializers.FloatField(min_value=-90, max_value=90, help_text=_("latitude (WGS-84)"))
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text=_("longitude (WGS-84)"))
    accuracy_m = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text=_("the phone's accuracy radius in metres")
    )
    recorded_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("when the phone took the fix; now when left out")
    )


class PatrolPositionSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = PatrolPosition
        fields = [
            "id",
            "user",
            "user_name",
            "lat",
            "lon",
            "accuracy_m",
            "recorded_at",
            "received_at",
            "area_code",
            "inside",
        ]
        read_only_fields = fields


class PatrolRecordedSerializer(serializers.Serializer):
    merged = serializers.BooleanField(
        help_text=_("true when the point followed the last one too closely and was merged")
    )
    position = PatrolPositionSerializer(allow_null=True)

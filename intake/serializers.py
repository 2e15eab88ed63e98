import datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from cases.models import RATINGS, RequestType, Urgency

EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


class ConnectorTimeField(serializers.DateTimeField):
    """A time a connector sends, between 2000 and 2100: a year-366 or year-9999 time is a connector's
    fault, and would be answered in the old local mean time (+08:05:43, not a valid date-time) or not at
    all (past the calendar's end in Asia/Shanghai)."""

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not EARLIEST <= value < LATEST:
            raise serializers.ValidationError(_("Give a time between the years 2000 and 2099."))
        return value


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A 12345 work order",
            request_only=True,
            value={
                "external_id": "GD20261123000125",
                "category": "HL-0301",
                "title": "小区门口垃圾堆积三天",
                "content": "市民反映岳麓大道某小区东门垃圾堆积三天无人清运",
                "caller_name": "王女士",
                "caller_phone": "13800001234",
                "address": "岳麓大道 88 号东门",
                "lat": 28.2025,
                "lon": 112.9025,
                "urgency": "normal",
                "request_type": "complaint",
                "due_at": "2026-11-25T18:00:00+08:00",
            },
        )
    ]
)
class HotlineOrderInSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, help_text="The hotline's work order number (idempotency)."
    )
    category = serializers.CharField(
        max_length=64, help_text="The hotline's category code (mapped) or one of ours."
    )
    title = serializers.CharField(max_length=120)
    content = serializers.CharField(required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    area_code = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        default="",
        help_text="Grid or community code when the order has no point.",
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    # No default: an order sent without one fingerprints as before (a retry of it is not a conflict).
    request_type = serializers.ChoiceField(
        choices=RequestType.choices,
        required=False,
        help_text="The caller's request type (诉求类型): an enquiry, suggestion or praise is answered "
        "directly, the rest are dispatched.",
    )
    due_at = ConnectorTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The hotline's own deadline, kept on the order.",
    )
    received_at = ConnectorTimeField(required=False, allow_null=True, default=None)
    extra = serializers.DictField(required=False, default=dict, help_text="The category's extra fields.")

    def validate(self, data):
        if (data["lat"] is None) != (data["lon"] is None):
            raise serializers.ValidationError({"lon": [_("Give both latitude and longitude, or neither.")]})
        return data


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Callback",
            request_only=True,
            value={"satisfaction": "basically_satisfied", "solved": True, "comment": "已清运，市民基本满意"},
        )
    ]
)
class HotlineCallbackSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=RATINGS)
    solved = serializers.BooleanField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CallbackOutSerializer(serializers.Serializer):
    satisfaction = serializers.CharField()
    solved = serializers.BooleanField(allow_null=True)
    comment = serializers.CharField()
    at = serializers.DateTimeField()


class HotlineOrderStatusSerializer(serializers.Serializer):
    """Read from ``intake.selectors.order_status``."""

    external_id = serializers.CharField()
    case_number = serializers.CharField()
    public_id = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    received_at = serializers.DateTimeField()
    hotline_due_at = serializers.DateTimeField(allow_null=True)
    caller_name = serializers.CharField()
    caller_phone = serializers.CharField(help_text="Masked in lists.")
    first_unit = serializers.CharField(help_text="The first unit the case was sent to (首接负责).")
    current_unit = serializers.CharField()
    returns = serializers.IntegerField(help_text="Recorded returns (回退) since.")
    merged_into = serializers.CharField()
    result = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    satisfaction = serializers.CharField()
    callback = CallbackOutSerializer(allow_null=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Overflowing bin",
            request_only=True,
            value={
                "device_id": "BIN-0042",
                "alert_type": "bin_full",
                "lat": 28.2025,
                "lon": 112.9025,
                "occurred_at": "2026-11-23T09:15:00+08:00",
                "alert_id": "a-77812",
                "payload": {"fill": 97},
            },
        )
    ]
)
class SensorAlertInSerializer(serializers.Serializer):
    device_id = serializers.CharField(max_length=64)
    alert_type = serializers.CharField(max_length=64)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    occurred_at = ConnectorTimeField(required=False, allow_null=True, default=None)
    alert_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The platform's alert id: a retried delivery is recorded once.",
    )
    device_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    payload = serializers.DictField(required=False, default=dict)

    def validate(self, data):
        if (data["lat"] is None) != (data["lon"] is None):
            raise serializers.ValidationError({"lon": [_("Give both latitude and longitude, or neither.")]})
        return data


class SensorAlertOutSerializer(serializers.Serializer):
    alert = serializers.IntegerField(source="alert.pk")
    opened_case = serializers.BooleanField(source="opened")
    replay = serializers.BooleanField()
    case_number = serializers.CharField(source="case.number")
    public_id = serializers.CharField(source="case.public_id")
    status = serializers.CharField(source="case.status")
    alert_count = serializers.IntegerField()

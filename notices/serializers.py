from rest_framework import serializers

from grids.models import Area

from .models import Audience, Notice


class NoticeSerializer(serializers.ModelSerializer):
    audience_display = serializers.CharField(source="get_audience_display", read_only=True)
    sender_name = serializers.CharField(source="sender.__str__", read_only=True)
    sending_unit_name = serializers.CharField(source="sending_unit.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "sender",
            "sender_name",
            "sending_unit",
            "sending_unit_name",
            "audience",
            "audience_display",
            "area",
            "area_code",
            "area_name",
            "title",
            "body",
            "published_at",
            "expires_at",
            "withdrawn",
            "withdrawn_at",
        ]
        read_only_fields = fields


class NoticeCreateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Audience.choices)
    area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.filter(is_active=True))
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class NoticeReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    read_at = serializers.DateTimeField(allow_null=True)


class NoticeReceiptSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    unread = serializers.IntegerField()
    readers = NoticeReaderSerializer(many=True)
    not_read = NoticeReaderSerializer(many=True)

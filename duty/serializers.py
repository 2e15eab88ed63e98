from rest_framework import serializers

from grids.models import Area

from .models import DutyEvent, Handover, Post, Roster, Shift, ShiftKind, Swap
from .selectors import UNIT_LEVELS


class RosterSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    leader_name = serializers.CharField(source="leader.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Roster
        fields = [
            "id",
            "unit",
            "unit_code",
            "unit_name",
            "title",
            "starts_on",
            "ends_on",
            "leader",
            "leader_name",
            "status",
            "status_display",
            "shifts_count",
            "created_at",
            "published_at",
        ]
        read_only_fields = fields


class ShiftInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text="a user id: one of the unit's people")
    post = serializers.ChoiceField(choices=Post.choices, default=Post.OFFICER)
    kind = serializers.ChoiceField(choices=ShiftKind.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class RotaSerializer(serializers.Serializer):
    leaders = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=100)
    officers = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=100)


class RosterCreateSerializer(serializers.Serializer):
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.filter(is_active=True, level__in=UNIT_LEVELS)
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    leader = serializers.IntegerField(min_value=1, help_text="the unit's leader who approves swaps (user id)")
    shifts = ShiftInputSerializer(many=True, required=False, max_length=20000)
    rota = RotaSerializer(
        required=False,
        help_text="instead of shifts: draw them on the working calendar (nights on working days, days and "
        "nights on rest days and holidays), leaders one per day and officers one per shift, in turn",
    )

    def validate(self, attrs):
        if not attrs.get("shifts") and not attrs.get("rota"):
            raise serializers.ValidationError({"shifts": ["Give the shifts, or a rota to draw them from."]})
        return attrs


class ShiftSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    day_type_display = serializers.CharField(source="get_day_type_display", read_only=True)

    class Meta:
        model = Shift
        fields = [
            "id",
            "roster",
            "unit_code",
            "person",
            "person_name",
            "post",
            "post_display",
            "kind",
            "kind_display",
            "day_type",
            "day_type_display",
            "holiday_name",
            "starts_at",
            "ends_at",
        ]
        read_only_fields = fields


class SwapSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requester_name = serializers.CharField(source="requester.__str__", read_only=True)
    substitute_name = serializers.CharField(source="substitute.__str__", read_only=True)

    class Meta:
        model = Swap
        fields = [
            "id",
            "shift",
            "unit_code",
            "requester",
            "requester_name",
            "substitute",
            "substitute_name",
            "reason",
            "status",
            "status_display",
            "requested_at",
            "decided_by",
            "decided_at",
            "refusal_reason",
        ]
        read_only_fields = fields


class SwapCreateSerializer(serializers.Serializer):
    substitute = serializers.IntegerField(
        min_value=1, help_text="who takes the shift (a user id of the unit)"
    )
    reason = serializers.CharField(max_length=500)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class HandoverSerializer(serializers.ModelSerializer):
    written_by_name = serializers.CharField(source="written_by.__str__", read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "shift",
            "unit_code",
            "written_by",
            "written_by_name",
            "written_at",
            "happened",
            "open_matters",
        ]
        read_only_fields = fields


class HandoverCreateSerializer(serializers.Serializer):
    happened = serializers.CharField(max_length=5000)
    open_matters = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DutyEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = DutyEvent
        fields = [
            "id",
            "seq",
            "roster",
            "unit_code",
            "kind",
            "kind_display",
            "actor",
            "at",
            "comment",
            "payload",
            "hash",
        ]
        read_only_fields = fields

"""API shapes of the mediation app: parse, and render what the selectors and services give."""

from rest_framework import serializers

from grids.models import Area

from .models import (
    Dispute,
    DisputeEvent,
    DisputeType,
    FollowUp,
    Mediator,
    MediatorKind,
    Party,
    PartyRole,
    ReferredTo,
    RiskLevel,
    Screening,
    Session,
    Signature,
    Source,
)
from .workflow import OUTCOMES, Status


class AreaCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.filter(is_active=True), **kwargs)


class MediatorSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_code", read_only=True)

    class Meta:
        model = Mediator
        fields = ["id", "name", "kind", "organisation", "work_phone", "area", "is_active"]


class MediatorCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=MediatorKind.choices)
    area = AreaCodeField()
    organisation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    work_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class ScreeningSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_code", read_only=True)
    month = serializers.SerializerMethodField(help_text="the month screened, YYYY-MM")
    disputes = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = ["id", "area", "month", "nothing_found", "note", "filed_by", "filed_at", "disputes"]

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")

    def get_disputes(self, obj) -> list[int]:
        return [d.pk for d in obj.disputes.all()]


class ScreeningCreateSerializer(serializers.Serializer):
    area = AreaCodeField(help_text="the grid's code")
    month = serializers.DateField(help_text="any day of the month screened (this month or the last)")
    nothing_found = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PartySerializer(serializers.ModelSerializer):
    outsider = serializers.BooleanField(source="is_outsider", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "role", "person", "name", "id_mask", "phone_mask", "outsider"]


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    person = serializers.IntegerField(required=False, min_value=1, help_text="a register person's id")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="kept masked; finds a register person"
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="kept masked")


class SessionSerializer(serializers.ModelSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    present = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Session
        fields = ["id", "dispute", "held_at", "place", "notes", "mediators", "present", "recorded_by"]


class SessionCreateSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=120)
    notes = serializers.CharField(max_length=8000)
    mediators = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    present = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "due_on", "visited_at", "holding", "note"]


class SignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signature
        fields = ["id", "party", "mime", "size", "sha256", "at"]


class DisputeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    area = serializers.CharField(source="area_code", read_only=True)
    case = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "title",
            "dispute_type",
            "description",
            "area",
            "risk_level",
            "risk_reason",
            "source",
            "screening",
            "case",
            "status",
            "mediator",
            "outcome_note",
            "agreement_text",
            "referred_to",
            "close_reason",
            "opened_at",
            "concluded_at",
            "settled_at",
            "closed_at",
            "escalated_at",
            "parties",
            "follow_ups",
            "signatures",
        ]

    def get_case(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None


class DisputeCreateSerializer(serializers.Serializer):
    area = AreaCodeField(help_text="the grid's code")
    title = serializers.CharField(max_length=120)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    description = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    risk_reason = serializers.CharField(max_length=200)
    source = serializers.ChoiceField(choices=Source.choices)
    screening = serializers.PrimaryKeyRelatedField(
        queryset=Screening.objects.all(), required=False, allow_null=True
    )
    parties = PartyInputSerializer(many=True)


class FromCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    risk_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class StartSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(min_value=1)


class ConcludeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(s.value, s.label) for s in OUTCOMES])
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    agreement_text = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    referred_to = serializers.ChoiceField(choices=ReferredTo.choices, required=False, allow_blank=True)


class ReferSerializer(serializers.Serializer):
    referred_to = serializers.ChoiceField(choices=ReferredTo.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class DisputeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SignatureCreateSerializer(serializers.Serializer):
    party = serializers.IntegerField(min_value=1)
    file = serializers.FileField()


class FollowUpVisitSerializer(serializers.Serializer):
    holding = serializers.BooleanField()
    note = serializers.CharField(max_length=4000)


class PartyAddSerializer(PartyInputSerializer):
    pass


class DisputeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeEvent
        fields = [
            "id",
            "seq",
            "dispute",
            "screening",
            "area_code",
            "kind",
            "actor",
            "from_status",
            "to_status",
            "at",
            "comment",
            "payload",
            "hash",
            "prev_hash",
        ]


class StepRefusedSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    allowed = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["start", "agree", "agree_partly", "fail", "refer", "resume", "follow", "settle", "close"]
        )
    )


STATUS_VALUES = Status.values

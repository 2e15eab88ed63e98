from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from grids.models import Area, Department

from .limits import active_category
from .models import (
    RATINGS,
    Attachment,
    AttachmentKind,
    CannedReply,
    Case,
    CaseEvent,
    Category,
    CloseType,
    LimitUnit,
    Satisfaction,
    Source,
    Stage,
    Urgency,
)
from .transitions import actions_for


class TimeLimitField(serializers.Serializer):
    urgency = serializers.CharField()
    stage = serializers.CharField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)
    limits = TimeLimitField(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "parent_code",
            "description",
            "default_level",
            "verify_required",
            "after_photo_required",
            "fields",
            "auto_dispatch",
            "is_active",
            "limits",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    # Through the scope-checked download view (cases.views.detail.attachment_file): there is no public
    # media URL. It takes the API token as well as a session.
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        return self._absolute(reverse("cases:attachment", args=[attachment.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail_url(self, attachment) -> str | None:
        if not attachment.thumbnail:
            return None
        return self._absolute(reverse("cases:thumbnail", args=[attachment.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "url",
            "thumbnail_url",
            "mime",
            "size",
            "width",
            "height",
            "gps_lat",
            "gps_lon",
            "taken_at",
            "original_name",
            "created_at",
        ]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    case_number = serializers.CharField(
        source="case.number",
        read_only=True,
        help_text="A merged duplicate's events appear in the original's timeline.",
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "case_number",
            "seq",
            "kind",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "comment",
            "payload",
            "created_at",
            "attachments",
            "hash",
        ]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return str(event.actor) if event.actor_id else _("System")


class RowBadgeSerializer(serializers.Serializer):
    """A badge an app above ``cases`` puts on the case's row (``cases.extensions.row_badges``), e.g. risk's
    "predicted overdue" before the yellow warning."""

    key = serializers.CharField(help_text="What the badge is, e.g. predicted (likely to miss the deadline).")
    label = serializers.CharField(help_text="Short text for the row, in the reader's language.")
    detail = serializers.CharField(help_text="Why, in the reader's language (the row's hover text).")
    data = serializers.DictField(help_text="The figures behind it, e.g. probability, rate, sample, basis.")


class CaseListSerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    handling_department_name = serializers.CharField(
        source="handling_department.name", default=None, read_only=True, allow_null=True
    )
    # Blank until set: DRF drops allow_blank from read-only model fields, so the schema would refuse "".
    stage = serializers.ChoiceField(label=_("stage"), choices=Stage.choices, allow_blank=True, read_only=True)
    badges = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "status",
            "category",
            "category_code",
            "category_name",
            "urgency",
            "level",
            "source",
            "area",
            "area_code",
            "area_name",
            "lat",
            "lon",
            "address",
            "handling_department",
            "handling_department_name",
            "stage",
            "stage_due_at",
            "stage_warn_at",
            "alert",
            "is_supervised",
            "reported_at",
            "closed_at",
            "version",
            "assignee",
            "badges",
        ]
        read_only_fields = fields

    @extend_schema_field(RowBadgeSerializer(many=True))
    def get_badges(self, case) -> list[dict]:
        """The badges the view computed for its page (``context["badges"]``), none when it computed none."""
        return self.context.get("badges", {}).get(case.pk, [])


class CaseCreatedSerializer(serializers.Serializer):
    """What a create answers: where the case is and how to address it. A plain serializer, so a phone's
    report costs no model-field introspection; GET /cases/{id}/ has the rest."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    public_id = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    area = serializers.IntegerField(source="area_id")
    area_code = serializers.CharField()
    stage_due_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)


class CaseDetailSerializer(CaseListSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    close_type = serializers.ChoiceField(
        label=_("close type"), choices=CloseType.choices, allow_blank=True, read_only=True
    )
    satisfaction = serializers.ChoiceField(
        label=_("satisfaction"), choices=Satisfaction.choices, allow_blank=True, read_only=True
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = CaseListSerializer.Meta.fields + [
            "description",
            "extra",
            "reporter",
            "reporter_name",
            "handling_area",
            "handled_by",
            "duplicate_of",
            "public_id",
            "filed_at",
            "dispatched_at",
            "accepted_at",
            "handled_at",
            "verified_at",
            "evaluated_at",
            "voided_at",
            "suspended_at",
            "stage_started_at",
            "escalation_level",
            "extension_requested_amount",
            "extension_requested_unit",
            "extension_reason",
            "rework_count",
            "return_count",
            "extension_count",
            "escalation_count",
            "reopen_count",
            "close_type",
            "result",
            "satisfaction",
            "attachments",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, case) -> list[str]:
        return actions_for(case, self.context["request"].user)


class CategoryCodeField(serializers.SlugRelatedField):
    """An active category by its code, from the catalogue kept in memory (no query per report)."""

    # A class attribute rather than an argument: DRF deep-copies a field's arguments for every serializer
    # it makes, and copying a queryset cost more than the report's other fields together. (Relational
    # fields re-read it with .all() on use; the schema reads its model from it.)
    queryset = Category.objects.filter(is_active=True)

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        category = active_category(str(data))
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return category


class AreaCodeField(serializers.SlugRelatedField):
    """An active area by its code (the queryset a class attribute, as ``CategoryCodeField``'s)."""

    queryset = Area.objects.active()

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A grid worker reports exposed rubbish",
            value={
                "category": "01001",
                "title": "小区门口垃圾堆放",
                "description": "东门外约2立方米生活垃圾",
                "lat": 28.2031,
                "lon": 112.9412,
                "address": "枫林路88号东门",
                "urgency": "normal",
            },
            request_only=True,
        )
    ]
)
class CaseCreateSerializer(serializers.Serializer):
    category = CategoryCodeField()
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, allow_null=True, default=None)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180, allow_null=True, default=None)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    area = AreaCodeField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    source = serializers.ChoiceField(
        choices=[Source.PATROL, Source.LEADER, Source.VISIT], default=Source.PATROL
    )
    extra = serializers.JSONField(required=False, default=dict)
    self_handled_result = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Set when the reporter fixed it on the spot (自行处置).",
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="Before-photos (multipart)."
    )
    after_photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="After-photos for a self-handled report (multipart).",
    )
    photo_uploads = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Finished uploads (/api/v1/uploads/) to use as before-photos, instead of files.",
    )
    after_photo_uploads = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Finished uploads as after-photos.",
    )

    def validate_extra(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Extra fields are an object of field code to value."))
        return value

    def validate(self, data):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise serializers.ValidationError({"lat": [_("Give both latitude and longitude.")]})
        return data


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The case version you saw; a newer one answers 409."
    )


class CommentSerializer(VersionedSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(VersionedSerializer):
    reason = serializers.CharField()


class DispatchSerializer(CommentSerializer):
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.active(),
        required=False,
        allow_null=True,
        help_text="A grid or community team handling it itself.",
    )

    def validate(self, data):
        if bool(data.get("department")) == bool(data.get("team")):
            raise serializers.ValidationError({"department": [_("Choose either a department or a team.")]})
        return data


class AnswerSerializer(VersionedSerializer):
    result = serializers.CharField(help_text="The answer given to the caller (直接答复).")


class FeedbackSerializer(VersionedSerializer):
    result = serializers.CharField()
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    photo_uploads = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, help_text="Finished uploads, as photos."
    )


class ExtensionRequestSerializer(VersionedSerializer):
    amount = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"))
    unit = serializers.ChoiceField(choices=LimitUnit.choices)
    reason = serializers.CharField()


class VerifySerializer(VersionedSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    photo_uploads = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, help_text="Finished uploads, as photos."
    )


class CloseSerializer(CommentSerializer):
    close_type = serializers.ChoiceField(
        choices=[c for c in CloseType.choices if c[0] != "merged"],
        required=False,
        allow_blank=True,
        default="",
    )


class EvaluateSerializer(CommentSerializer):
    satisfaction = serializers.ChoiceField(choices=RATINGS)
    channel = serializers.ChoiceField(
        choices=[("reporter", _("The reporter rated it")), ("phone", _("Phone callback recorded by staff"))],
        default="reporter",
        required=False,
    )


class MergeSerializer(VersionedSerializer):
    into = serializers.CharField(help_text="Number (or id) of the case this one duplicates.")
    reason = serializers.CharField()


class CorrectAreaSerializer(VersionedSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.active())
    reason = serializers.CharField()


class AttachmentUploadSerializer(VersionedSerializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.EVIDENCE)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    uploads = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Finished uploads, instead of files.",
    )

    def validate(self, data):
        if not data["files"] and not data["uploads"]:
            raise serializers.ValidationError({"files": [_("Attach at least one file.")]})
        return data


class DuplicateQuerySerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    exclude = serializers.IntegerField(required=False)


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.CharField(source="case.status")
    status_display = serializers.CharField(source="case.get_status_display")
    reported_at = serializers.DateTimeField(source="case.reported_at")
    distance_m = serializers.SerializerMethodField()

    def get_distance_m(self, candidate) -> int:
        return round(candidate.distance_m)


class NoteSerializer(serializers.Serializer):
    """A progress note: internal by default; ``public`` lets the reporter read it on their tracking page."""

    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    public = serializers.BooleanField(required=False, default=False)
    canned = serializers.PrimaryKeyRelatedField(
        queryset=CannedReply.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="A canned reply of the case's category: its text when ``text`` is empty.",
    )


class AssignSerializer(VersionedSerializer):
    """Name the case's handler (签收人): a user id of the handling unit; null clears the name."""

    assignee = serializers.IntegerField(allow_null=True, min_value=1)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class UnitMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class CannedReplySerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        model = CannedReply
        fields = ["id", "category", "title", "text", "public"]
        read_only_fields = fields

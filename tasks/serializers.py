from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.models import Category
from grids.models import Department
from residents.models import GroupTag

from .models import (
    AdmissionItem,
    AdmissionList,
    AdmissionRefusal,
    Assignment,
    GridAction,
    Target,
    TargetKind,
    Task,
    TaskEvent,
    TaskResult,
)

MAX_ID = 2**63 - 1
PHOTOS_MAX = 9  # of one filled form, sent whole and in pieces together


class AdmissionItemSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", default="", read_only=True)
    grid_action_display = serializers.CharField(source="get_grid_action_display", read_only=True)

    class Meta:
        model = AdmissionItem
        fields = [
            "id",
            "admission_list",
            "code",
            "name",
            "item_class",
            "department",
            "department_name",
            "basis",
            "grid_action",
            "grid_action_display",
            "frequency",
            "workers_assignable",
        ]


class AdmissionListSerializer(serializers.ModelSerializer):
    items = serializers.IntegerField(source="items.count", read_only=True)

    class Meta:
        model = AdmissionList
        fields = [
            "id",
            "version",
            "title",
            "approved_by",
            "approved_on",
            "effective_from",
            "items",
            "created_at",
        ]


class ItemInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=100)
    item_class = serializers.CharField(max_length=64)
    department = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    basis = serializers.CharField()
    grid_action = serializers.ChoiceField(choices=GridAction.choices)
    frequency = serializers.CharField(max_length=64, required=False, allow_blank=True)
    workers_assignable = serializers.BooleanField(default=True)


class AdmissionListPublishSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    title = serializers.CharField(max_length=200)
    approved_by = serializers.CharField(max_length=100)
    approved_on = serializers.DateField()
    effective_from = serializers.DateField()
    items = ItemInputSerializer(many=True)


class RefusalSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", default="", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = AdmissionRefusal
        fields = [
            "id",
            "kind",
            "kind_display",
            "at",
            "department",
            "department_name",
            "requester",
            "area_code",
            "item_code",
            "subject",
            "reason",
        ]


class BurdenRowSerializer(serializers.Serializer):
    month = serializers.CharField()
    department = serializers.CharField()
    department_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    refused = serializers.IntegerField()


class TaskSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    sender_name = serializers.CharField(source="sender.__str__", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "item",
            "item_code",
            "item_name",
            "instructions",
            "fields",
            "target_kind",
            "target_tag",
            "selection",
            "sender",
            "sender_name",
            "sender_area",
            "department",
            "starts_at",
            "deadline",
            "status",
            "grids",
            "targets",
            "created_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    item = serializers.PrimaryKeyRelatedField(queryset=AdmissionItem.objects.all())
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    fields = serializers.JSONField(required=False, default=list)
    selection = serializers.JSONField(
        help_text='{"subtree": area code} | {"kind": "dedicated", "purpose": "market", "within": code} | '
        '{"grids": [codes]}'
    )
    target_kind = serializers.ChoiceField(choices=TargetKind.choices, required=False, default="")
    target_tag = serializers.PrimaryKeyRelatedField(
        queryset=GroupTag.objects.all(), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    starts_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()


class AssignmentSerializer(serializers.ModelSerializer):
    task_title = serializers.CharField(source="task.title", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "task",
            "task_title",
            "area",
            "area_code",
            "area_name",
            "status",
            "status_display",
            "workers",
            "deadline",
            "targets_total",
            "targets_done",
            "started_at",
            "submitted_at",
            "accepted_at",
            "returned_reason",
            "version",
        ]
        read_only_fields = fields


class AssignmentAssignSerializer(serializers.Serializer):
    workers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False, max_length=50
    )
    version = serializers.IntegerField(required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["id", "assignment", "kind", "object_id", "label", "done_at"]
        read_only_fields = fields


class FindingSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class TaskResultSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", default=None, read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = TaskResult
        fields = [
            "id",
            "assignment",
            "target",
            "worker",
            "values",
            "note",
            "lat",
            "lon",
            "case",
            "case_number",
            "photos",
            "created_at",
        ]
        read_only_fields = fields

    def get_photos(self, obj) -> list[int]:
        return [p.pk for p in obj.photos.all()]


class TaskResultCreateSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    target = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    values = serializers.DictField(required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    finding = FindingSerializer(required=False, allow_null=True)
    photos = serializers.ListField(
        child=serializers.ImageField(), required=False, default=list, max_length=PHOTOS_MAX
    )
    photo_uploads = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=PHOTOS_MAX,
        help_text="Finished uploads (/api/v1/uploads/) to use as photos, instead of files.",
    )

    def validate(self, data):
        if len(data.get("photos", [])) + len(data.get("photo_uploads", [])) > PHOTOS_MAX:
            raise serializers.ValidationError(
                {"photos": [_("At most %(max)s photos.") % {"max": PHOTOS_MAX}]}
            )
        return data


class TaskEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TaskEvent
        fields = [
            "id",
            "seq",
            "task",
            "assignment",
            "kind",
            "kind_display",
            "actor",
            "at",
            "comment",
            "payload",
            "hash",
        ]
        read_only_fields = fields


class ProgressTotalsSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()
    targets_total = serializers.IntegerField()
    targets_done = serializers.IntegerField()


class ProgressRowSerializer(ProgressTotalsSerializer):
    """One unit's counts: the totals' figures, named."""

    unit = serializers.CharField()
    name = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    level = serializers.CharField()
    totals = ProgressTotalsSerializer()
    rows = ProgressRowSerializer(many=True)

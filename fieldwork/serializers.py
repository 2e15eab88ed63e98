from rest_framework import serializers

from cases.models import Category

from .models import Deployment, FieldEvent, GridDay, WorkLog

MAX_ID = 2**63 - 1


class GridDaySerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = GridDay
        fields = [
            "id",
            "community",
            "community_code",
            "community_name",
            "month",
            "day",
            "title",
            "note",
            "created_at",
        ]


class GridDayScheduleSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    day = serializers.DateField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CadreAssignSerializer(serializers.Serializer):
    grid = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    cadre = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class DeploymentSerializer(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.__str__", read_only=True)
    day = serializers.DateField(source="grid_day.day", read_only=True)
    case_number = serializers.CharField(source="case.number", default=None, read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "grid_day",
            "day",
            "grid",
            "area_code",
            "grid_name",
            "cadre",
            "cadre_name",
            "checked_in_at",
            "check_lat",
            "check_lon",
            "did",
            "found",
            "recorded_at",
            "case",
            "case_number",
            "task",
        ]


class GridDayCheckInSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class FieldFindingSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class FieldFollowUpSerializer(serializers.Serializer):
    item = serializers.CharField(
        max_length=16, help_text="The admitted item's code on the grid admission list in force."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(help_text="The working day the follow-up is due (at the day's end).")


class DeploymentRecordSerializer(serializers.Serializer):
    did = serializers.CharField()
    found = serializers.CharField(required=False, allow_blank=True, default="")
    finding = FieldFindingSerializer(required=False, allow_null=True, help_text="Raise a case.")
    follow_up = FieldFollowUpSerializer(
        required=False, allow_null=True, help_text="Raise a follow-up task for the grid instead of a case."
    )

    def validate(self, attrs):
        if attrs.get("finding") and attrs.get("follow_up"):
            raise serializers.ValidationError({"follow_up": ["Raise a case or a follow-up task, not both."]})
        return attrs


class WorkLogSerializer(serializers.ModelSerializer):
    worker_name = serializers.CharField(source="worker.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WorkLog
        fields = [
            "id",
            "worker",
            "worker_name",
            "day",
            "area_code",
            "patrol_minutes",
            "distance_m",
            "positions",
            "visits",
            "cases_reported",
            "summary",
            "issues",
            "status",
            "status_display",
            "drafted_at",
            "submitted_at",
        ]


class WorkLogSubmitSerializer(serializers.Serializer):
    summary = serializers.CharField()
    issues = serializers.CharField(required=False, allow_blank=True, default="")


class CoverageRowSerializer(serializers.Serializer):
    grid_code = serializers.CharField()
    grid = serializers.CharField()
    community = serializers.CharField()
    grid_day_id = serializers.IntegerField(allow_null=True)
    day = serializers.DateField(allow_null=True)
    assigned = serializers.IntegerField()
    came = serializers.ListField(child=serializers.CharField())
    findings = serializers.ListField(child=serializers.CharField())
    held = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer):
    month = serializers.CharField()
    grids = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    held = serializers.IntegerField()
    cadres = serializers.IntegerField()
    rows = CoverageRowSerializer(many=True)


class AttendanceRowSerializer(serializers.Serializer):
    worker_id = serializers.IntegerField()
    worker = serializers.CharField()
    days = serializers.IntegerField(help_text="work logs in the month (one per day)")
    attended = serializers.IntegerField(help_text="days with at least 120 minutes on patrol in the grid")
    rate = serializers.FloatField(allow_null=True, help_text="attended / days × 100")
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    metres = serializers.IntegerField()
    visits = serializers.IntegerField()
    cases = serializers.IntegerField()
    submitted = serializers.IntegerField()


class FieldEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FieldEvent
        fields = [
            "id",
            "seq",
            "kind",
            "kind_display",
            "area_code",
            "grid_day",
            "deployment",
            "work_log",
            "actor",
            "at",
            "comment",
            "payload",
            "hash",
        ]

"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.idempotency import PARAMETER as IDEMPOTENCY_KEY
from cases.idempotency import idempotent
from gridgov.api import ScopedReadOnlyViewSet

from . import selectors, services
from .api_examples import (
    ASSIGN_EXAMPLE,
    ATTENDANCE_EXAMPLE,
    CHECK_IN_EXAMPLE,
    CHECK_IN_OUTSIDE,
    COVERAGE_EXAMPLE,
    RECORD_EXAMPLE,
    RECORD_TASK_EXAMPLE,
    SCHEDULE_EXAMPLE,
    SUBMIT_EXAMPLE,
)
from .export import coverage_xlsx
from .models import Deployment, FieldEvent, GridDay, WorkLog
from .serializers import (
    AttendanceRowSerializer,
    CadreAssignSerializer,
    CoverageSerializer,
    DeploymentRecordSerializer,
    DeploymentSerializer,
    FieldEventSerializer,
    GridDayCheckInSerializer,
    GridDayScheduleSerializer,
    GridDaySerializer,
    WorkLogSerializer,
    WorkLogSubmitSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = OpenApiParameter("month", str, description="YYYY-MM (default: this month)")


def _month(request):
    return selectors.parse_month(request.query_params.get("month"), timezone.localdate())


@extend_schema_view(
    list=extend_schema(summary="Grid days (网格日) of the communities in your view, newest first"),
    retrieve=extend_schema(summary="One grid day"),
    create=extend_schema(
        summary="Schedule a community's grid day (one a month)",
        description="Community staff, the street above or the centre. The date may not be past; a second "
        "grid day in the same month is refused.",
        request=GridDayScheduleSerializer,
        examples=[SCHEDULE_EXAMPLE],
    ),
)
class GridDayViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = GridDay.objects.select_related("community")
    serializer_class = GridDaySerializer

    def get_serializer_class(self):
        return GridDayScheduleSerializer if self.action == "create" else GridDaySerializer

    def create(self, request, *args, **kwargs):
        data = GridDayScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        grid_day = services.grid_day_schedule(
            actor=request.user, community_id=v["community"], day=v["day"], title=v["title"], note=v["note"]
        )
        return Response(GridDaySerializer(grid_day).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send a cadre of the street or a department down to a grid (下沉)",
        request=CadreAssignSerializer,
        responses={201: DeploymentSerializer},
        examples=[ASSIGN_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        self.get_object()
        data = CadreAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deployment = services.cadre_assign(
            actor=request.user,
            grid_day_id=pk,
            grid_id=data.validated_data["grid"],
            cadre_id=data.validated_data["cadre"],
        )
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Coverage of a month: which grids had their grid day, who came",
        parameters=[MONTH],
        responses=CoverageSerializer,
        examples=[COVERAGE_EXAMPLE],
    )
    @action(detail=False, pagination_class=None)
    def coverage(self, request):
        return Response(CoverageSerializer(selectors.coverage(request.user, _month(request))).data)

    @extend_schema(
        summary="Coverage of a month as an Excel workbook", parameters=[MONTH], responses={(200, XLSX): bytes}
    )
    @action(detail=False, url_path="coverage/export", pagination_class=None)
    def coverage_export(self, request):
        month = _month(request)
        response = HttpResponse(coverage_xlsx(selectors.coverage(request.user, month)), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="grid-days-{month:%Y-%m}.xlsx"'
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Cadres sent to grids (yours, and those in your grids)",
        parameters=[OpenApiParameter("grid_day", int)],
    ),
    retrieve=extend_schema(summary="One cadre's visit to a grid"),
)
class DeploymentViewSet(ScopedReadOnlyViewSet):
    queryset = Deployment.objects.select_related("grid_day", "grid", "cadre", "case")
    serializer_class = DeploymentSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = self.request.query_params.get("grid_day", "")
        return qs.filter(grid_day_id=int(chosen)) if chosen.isdigit() and len(chosen) < 19 else qs

    @extend_schema(
        summary="Check in on site (the point must lie inside the grid, on the grid day)",
        request=GridDayCheckInSerializer,
        responses=DeploymentSerializer,
        examples=[CHECK_IN_EXAMPLE, CHECK_IN_OUTSIDE],
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    @idempotent
    def check_in(self, request, pk=None):
        self.get_object()
        data = GridDayCheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.check_in(actor=request.user, deployment_id=pk, **data.validated_data)
        return Response(DeploymentSerializer(done).data)

    @extend_schema(
        summary="Record what was done and found (a finding raises a case or a follow-up task at once)",
        request=DeploymentRecordSerializer,
        responses=DeploymentSerializer,
        examples=[RECORD_EXAMPLE, RECORD_TASK_EXAMPLE],
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def record(self, request, pk=None):
        self.get_object()
        data = DeploymentRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        finding, follow_up = v.pop("finding", None), v.pop("follow_up", None)
        if finding:
            finding = {**finding, "category": finding["category"].pk}
        elif follow_up:
            finding = {**follow_up, "raise": "task"}
        done = services.deployment_record(actor=request.user, deployment_id=pk, finding=finding, **v)
        return Response(DeploymentSerializer(done).data)


@extend_schema_view(
    list=extend_schema(
        summary="Daily work logs (巡查日志): your own; staff those of their grids",
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD"), OpenApiParameter("worker", int)],
    ),
    retrieve=extend_schema(summary="One work log"),
)
class WorkLogViewSet(ScopedReadOnlyViewSet):
    queryset = WorkLog.objects.select_related("worker")
    serializer_class = WorkLogSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        day = params.get("day", "")
        if len(day) == 10:
            try:
                qs = qs.filter(day=datetime.date.fromisoformat(day))
            except ValueError:
                qs = qs.none()
        worker = params.get("worker", "")
        if worker.isdigit() and len(worker) < 19:
            qs = qs.filter(worker_id=int(worker))
        return qs

    @extend_schema(
        summary="Complete and submit your work log",
        request=WorkLogSubmitSerializer,
        responses=WorkLogSerializer,
        examples=[SUBMIT_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        self.get_object()
        data = WorkLogSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.work_log_submit(actor=request.user, log_id=pk, **data.validated_data)
        return Response(WorkLogSerializer(done).data)

    @extend_schema(
        summary="Your work log of today, drafted afresh from your track so far",
        request=None,
        responses={200: WorkLogSerializer, 404: None},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def today(self, request):
        log = services.work_log_today(worker=request.user)
        if log is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(WorkLogSerializer(log).data)

    @extend_schema(
        summary="Monthly attendance per worker (feeds the assessment's worker composite)",
        parameters=[MONTH],
        responses=AttendanceRowSerializer(many=True),
        examples=[ATTENDANCE_EXAMPLE],
    )
    @action(detail=False, pagination_class=None)
    def attendance(self, request):
        return Response(
            AttendanceRowSerializer(selectors.attendance(request.user, _month(request)), many=True).data
        )


@extend_schema_view(
    list=extend_schema(summary="The field-work trail (hash-chained)"),
    retrieve=extend_schema(summary="One step of field work"),
)
class FieldEventViewSet(ScopedReadOnlyViewSet):
    queryset = FieldEvent.objects.all()
    serializer_class = FieldEventSerializer


ROUTES = [
    ("grid-days", GridDayViewSet, "grid-day"),
    ("grid-day-deployments", DeploymentViewSet, "grid-day-deployment"),
    ("work-logs", WorkLogViewSet, "work-log"),
    ("field-events", FieldEventViewSet, "field-event"),
]

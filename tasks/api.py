"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases import uploads
from cases.idempotency import PARAMETER as IDEMPOTENCY_KEY
from cases.idempotency import idempotent
from gridgov.api import ScopedReadOnlyViewSet
from grids.models import Area
from grids.scope import scoped

from . import admission, selectors, services
from .api_examples import (
    ASSIGN_EXAMPLE,
    ITEM_NOT_ADMITTED,
    PROGRESS_EXAMPLE,
    PUBLISH_EXAMPLE,
    RESULT_EXAMPLE,
    REVIEW_EXAMPLES,
    TASK_EXAMPLE,
)
from .export import task_xlsx
from .models import (
    AdmissionItem,
    AdmissionList,
    AdmissionRefusal,
    Assignment,
    Target,
    Task,
    TaskEvent,
    TaskResult,
)
from .serializers import (
    AdmissionItemSerializer,
    AdmissionListPublishSerializer,
    AdmissionListSerializer,
    AssignmentAssignSerializer,
    AssignmentSerializer,
    BurdenRowSerializer,
    ProgressSerializer,
    RefusalSerializer,
    ReviewSerializer,
    TargetSerializer,
    TaskCreateSerializer,
    TaskEventSerializer,
    TaskResultCreateSerializer,
    TaskResultSerializer,
    TaskSerializer,
    VersionSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ID = 2**63 - 1


def _id(value) -> int | None:
    """A query parameter as a row id, or None (not digits, or beyond the id column)."""
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


@extend_schema_view(
    list=extend_schema(summary="Versions of the grid admission list (网格事项准入清单)"),
    retrieve=extend_schema(summary="One version of the admission list"),
    create=extend_schema(
        summary="Publish a new version (district centre)",
        request=AdmissionListPublishSerializer,
        examples=[PUBLISH_EXAMPLE],
    ),
)
class AdmissionListViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = AdmissionList.objects.all()
    serializer_class = AdmissionListSerializer

    def get_serializer_class(self):
        return AdmissionListPublishSerializer if self.action == "create" else AdmissionListSerializer

    def create(self, request, *args, **kwargs):
        data = AdmissionListPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listed = services.admission_list_publish(actor=request.user, **data.validated_data)
        return Response(AdmissionListSerializer(listed).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Admitted items",
        description="The items of the list in force (or of ?list=ID): what grids may be asked to do.",
        parameters=[OpenApiParameter("list", int, description="a version's id (default: the one in force)")],
    ),
    retrieve=extend_schema(summary="One admitted item"),
)
class AdmissionItemViewSet(ScopedReadOnlyViewSet):
    queryset = AdmissionItem.objects.select_related("department")
    serializer_class = AdmissionItemSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        chosen = _id(self.request.query_params.get("list"))
        if chosen is not None:
            return qs.filter(admission_list_id=chosen)
        from_list = admission.list_in_force()
        return qs.filter(admission_list=from_list) if from_list else qs.none()


@extend_schema_view(
    list=extend_schema(summary="Requests refused because their item is not on the admission list"),
    retrieve=extend_schema(summary="One refusal"),
)
class AdmissionRefusalViewSet(ScopedReadOnlyViewSet):
    queryset = AdmissionRefusal.objects.select_related("department")
    serializer_class = RefusalSerializer

    @extend_schema(
        summary="The burden report: refusals by department and month",
        responses=BurdenRowSerializer(many=True),
    )
    @action(detail=False, pagination_class=None)
    def burden(self, request):
        return Response(BurdenRowSerializer(selectors.burden_report(request.user), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Tasks you sent, asked for, or that have an assignment in your grids"),
    retrieve=extend_schema(summary="One task"),
    create=extend_schema(
        summary="Send a task to many grids",
        description="Grids chosen by subtree, by grid kind / purpose, or by list. The item must be on the "
        "admission list in force (else 400 “该事项不在网格事项准入清单内”, and the refusal is recorded); "
        "the deadline must be a working day; the form is Open311-style fields.",
        request=TaskCreateSerializer,
        examples=[TASK_EXAMPLE, ITEM_NOT_ADMITTED],
    ),
)
class TaskViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Task.objects.select_related("item", "sender")
    serializer_class = TaskSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return TaskCreateSerializer if self.action == "create" else TaskSerializer

    def create(self, request, *args, **kwargs):
        data = TaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_create(actor=request.user, **data.validated_data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Progress per unit one level below the area (assigned, started, done, overdue)",
        parameters=[OpenApiParameter("area", str, description="an area code (default: your whole view)")],
        responses=ProgressSerializer,
        examples=[PROGRESS_EXAMPLE],
    )
    @action(detail=True)
    def progress(self, request, pk=None):
        task = self.get_object()
        area = None
        code = request.query_params.get("area")
        if code:
            area = get_object_or_404(scoped(request.user, Area.objects.all()), code=code)
        return Response(ProgressSerializer(selectors.progress(task, user=request.user, area=area)).data)

    @extend_schema(summary="The task's results as an Excel workbook", responses={(200, XLSX): bytes})
    @action(detail=True)
    def export(self, request, pk=None):
        task = self.get_object()
        body = task_xlsx(task, scoped(request.user, Assignment.objects.filter(task=task)))
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="task-{task.pk}.xlsx"'
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Assignments (one per grid and task)",
        parameters=[
            OpenApiParameter("task", int),
            OpenApiParameter("status", str, enum=Assignment.Status.values),
        ],
    ),
    retrieve=extend_schema(summary="One assignment"),
)
class AssignmentViewSet(ScopedReadOnlyViewSet):
    queryset = Assignment.objects.select_related("task", "area").prefetch_related("workers")
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if _id(params.get("task")) is not None:
            qs = qs.filter(task_id=_id(params.get("task")))
        if params.get("status") in Assignment.Status.values:
            qs = qs.filter(status=params["status"])
        return qs

    def _act(self, request, pk, body, service):
        """One step on an assignment in scope: the body checked, the service run, the assignment answered."""
        self.get_object()
        data = body(data=request.data)
        data.is_valid(raise_exception=True)
        done = service(actor=request.user, assignment_id=pk, **data.validated_data)
        return Response(AssignmentSerializer(done).data)

    @extend_schema(
        summary="The grid leader hands the assignment to grid workers",
        request=AssignmentAssignSerializer,
        responses=AssignmentSerializer,
        examples=[ASSIGN_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(request, pk, AssignmentAssignSerializer, services.assignment_assign)

    @extend_schema(
        summary="The grid submits its work for review",
        request=VersionSerializer,
        responses=AssignmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, pk, VersionSerializer, services.assignment_submit)

    @extend_schema(
        summary="The sender accepts the work or sends it back with a reason",
        request=ReviewSerializer,
        responses=AssignmentSerializer,
        examples=REVIEW_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._act(request, pk, ReviewSerializer, services.assignment_review)


@extend_schema_view(
    list=extend_schema(summary="Target objects", parameters=[OpenApiParameter("assignment", int)]),
    retrieve=extend_schema(summary="One target object"),
)
class TargetViewSet(ScopedReadOnlyViewSet):
    queryset = Target.objects.all()
    serializer_class = TargetSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("assignment"))
        return qs.filter(assignment_id=chosen) if chosen is not None else qs


@extend_schema_view(
    list=extend_schema(summary="Filled forms", parameters=[OpenApiParameter("assignment", int)]),
    retrieve=extend_schema(summary="One filled form"),
    create=extend_schema(
        summary="Fill the form for an object (a finding raises a case in the same step)",
        request={
            "application/json": TaskResultCreateSerializer,
            "multipart/form-data": TaskResultCreateSerializer,
        },
        responses={201: TaskResultSerializer},
        examples=[RESULT_EXAMPLE],
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class TaskResultViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = TaskResult.objects.select_related("case").prefetch_related("photos")
    serializer_class = TaskResultSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("assignment"))
        return qs.filter(assignment_id=chosen) if chosen is not None else qs

    def get_serializer_class(self):
        return TaskResultCreateSerializer if self.action == "create" else TaskResultSerializer

    @idempotent
    def create(self, request, *args, **kwargs):
        data = TaskResultCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Photos sent in pieces (issue 23) join those sent whole, as for a case's steps.
        v, upload_ids = uploads.action_arguments(data.validated_data, owner=request.user)
        get_object_or_404(scoped(request.user, Assignment.objects.all()), pk=v.pop("assignment"))
        finding = v.pop("finding", None)
        if finding:
            finding = {**finding, "category": finding["category"].pk}
        result = services.result_record(
            actor=request.user,
            assignment_id=data.validated_data["assignment"],
            target_id=v.pop("target", None),
            finding=finding,
            **v,
        )
        uploads.uploads_used(ids=upload_ids, case_id=result.case_id)
        return Response(TaskResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The tasks' hash-chained trail", parameters=[OpenApiParameter("task", int)]),
    retrieve=extend_schema(summary="One event of a task"),
)
class TaskEventViewSet(ScopedReadOnlyViewSet):
    queryset = TaskEvent.objects.all()
    serializer_class = TaskEventSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("task"))
        return qs.filter(task_id=chosen) if chosen is not None else qs


ROUTES = [
    ("admission/lists", AdmissionListViewSet, "admission-list"),
    ("admission/items", AdmissionItemViewSet, "admission-item"),
    ("admission/refusals", AdmissionRefusalViewSet, "admission-refusal"),
    ("tasks", TaskViewSet, "task"),
    ("task-assignments", AssignmentViewSet, "task-assignment"),
    ("task-targets", TargetViewSet, "task-target"),
    ("task-results", TaskResultViewSet, "task-result"),
    ("task-events", TaskEventViewSet, "task-event"),
]

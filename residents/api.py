"""Register API (/api/v1/residents/...). Thin: parse, call a service or selector, render.

Every viewset inherits the scoped base, so a row outside the user's subtrees answers 404.
"""

import django_filters
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases.idempotency import PARAMETER as IDEMPOTENCY_KEY
from cases.idempotency import idempotent
from gridgov.api import ScopedGenericViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet
from grids.models import Level

from . import access, exports, import_jobs, imports, selectors, services, visits
from . import serializers as s
from .models import (
    Building,
    Dwelling,
    GroupTag,
    Household,
    ImportJob,
    Person,
    PersonTag,
    PiiAccessLog,
    Place,
    Visit,
    VisitTask,
)
from .throttles import IdNumberSearchThrottle

NO_DELETE = ["get", "post", "patch", "head", "options"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


class BuildingViewSet(ScopedModelViewSet):
    """Buildings (楼栋) in one's grids."""

    queryset = Building.objects.select_related("area")
    serializer_class = s.BuildingSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["kind"]
    search_fields = ["name", "code", "address"]

    def perform_create(self, serializer):
        serializer.instance = services.building_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        area = data.pop("area", serializer.instance.area)
        serializer.instance = services.building_save(
            actor=self.request.user, area=area, building=serializer.instance, **data
        )


class DwellingViewSet(ScopedModelViewSet):
    queryset = Dwelling.objects.select_related("area", "building")
    serializer_class = s.DwellingSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["building", "use"]

    def perform_create(self, serializer):
        serializer.instance = services.dwelling_save(actor=self.request.user, **serializer.validated_data)


class HouseholdFilter(django_filters.FilterSet):
    within = django_filters.CharFilter(field_name="area__code", lookup_expr="startswith")

    class Meta:
        model = Household
        fields = ["is_active", "dwelling", "within"]


class HouseholdViewSet(ScopedModelViewSet):
    """Households (户). ``?q=`` finds by address, number or a member's name."""

    serializer_class = s.HouseholdSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = HouseholdFilter

    def get_queryset(self):
        return selectors.household_search(self.request.user, self.request.query_params.get("q", ""))

    def perform_create(self, serializer):
        household = services.household_register(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._counted(household)

    @staticmethod
    def _counted(household):
        # The answer carries member_count as the list does (there an annotation of household_search).
        household.member_count = household.persons.filter(status=Person.Status.RESIDENT).count()
        return household

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the household (with its residents) to another dwelling or grid."""
        household = self.get_object()
        data = s.HouseholdSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        moved = services.household_move(
            actor=request.user,
            household=household,
            dwelling=data.validated_data.get("dwelling"),
            area=data.validated_data.get("area"),
            address=data.validated_data.get("address", ""),
        )
        return Response(
            s.HouseholdSerializer(self._counted(moved), context=self.get_serializer_context()).data
        )


class PersonViewSet(ScopedModelViewSet):
    """Persons (人员). Lists show masked ID and phone numbers; ``reveal`` shows one person's, logged.

    Filters: ``q`` (name or address), ``id_number`` (exact, via keyed hash), ``tag`` (group code),
    ``within`` (area code), ``status`` (default resident; ``all`` for everyone).
    """

    serializer_class = s.PersonSerializer
    http_method_names = NO_DELETE
    filter_backends = []  # filtering is the selector's job (sensitive tags must not be probed)

    def get_throttles(self):
        # Exact ID-number searches are rationed (the mask leaves candidates that could be tried one by one).
        return [*super().get_throttles(), IdNumberSearchThrottle()]

    def get_queryset(self):
        p = self.request.query_params
        status_ = p.get("status", Person.Status.RESIDENT)
        return selectors.person_list(
            self.request.user,
            search=p.get("q", ""),
            id_number=p.get("id_number", ""),
            tag=p.get("tag", ""),
            area_code=p.get("within", ""),
            status="" if status_ == "all" or self.action != "list" else status_,
        ).order_by("area__code", "household_id", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        grid = data.pop("grid", None)
        serializer.instance = services.person_register(actor=self.request.user, area=grid, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("grid", None), data.pop("household", None)
        serializer.instance = services.person_update(
            actor=self.request.user, person=serializer.instance, **data
        )

    def _fresh(self, person):
        return self.get_queryset().get(pk=person.pk)

    @extend_schema(request=s.RevealSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Full ID and/or phone number of this person, for a stated reason. Logged."""
        person = self.get_object()
        body = s.RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = services.pii_reveal(
            actor=request.user,
            person=person,
            fields=body.validated_data.get("fields"),
            reason=body.validated_data["reason"],
            remote_addr=client_ip(request),
        )
        return Response(values)

    @extend_schema(request=s.MoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        person = self.get_object()
        body = s.MoveSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.person_move(actor=request.user, person=person, **body.validated_data)
        return Response(self.get_serializer(self._fresh(person)).data)

    @extend_schema(request=s.LeaveSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        person = self.get_object()
        body = s.LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.person_leave(actor=request.user, person=person, **body.validated_data)
        return Response(self.get_serializer(self._fresh(person)).data)

    @extend_schema(request=s.TagAssignSerializer)
    @action(detail=True, methods=["post"])
    def tags(self, request, pk=None):
        person = self.get_object()
        body = s.TagAssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.tag_assign(actor=request.user, person=person, **body.validated_data)
        return Response(self.get_serializer(self._fresh(person)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ExportSerializer,
        responses={
            (200, "text/csv"): bytes,
            (200, XLSX): bytes,
        },
    )
    @action(detail=False, methods=["post"])
    def export(self, request):
        """The register of a grid or community as CSV or .xlsx; masked unless permitted. Logged."""
        body = s.ExportSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = exports.register_export(
            actor=request.user, remote_addr=client_ip(request), **body.validated_data
        )
        response = HttpResponse(result.content, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response


class PersonTagViewSet(ScopedReadOnlyViewSet):
    """Group memberships in reach (special-management ones only for those who may see them)."""

    queryset = PersonTag.objects.select_related("tag")
    serializer_class = s.PersonTagSerializer
    filterset_fields = ["person"]

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        link = services.tag_end(actor=request.user, link=self.get_object())
        return Response(self.get_serializer(link).data)


class GroupTagViewSet(ScopedReadOnlyViewSet):
    queryset = GroupTag.objects.filter(is_active=True)
    serializer_class = s.GroupTagSerializer
    pagination_class = None


class PlaceViewSet(ScopedModelViewSet):
    queryset = Place.objects.select_related("area")
    serializer_class = s.PlaceSerializer
    http_method_names = NO_DELETE
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name", "address"]

    def perform_create(self, serializer):
        serializer.instance = services.place_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        area = data.pop("area", serializer.instance.area)
        serializer.instance = services.place_save(
            actor=self.request.user, area=area, place=serializer.instance, **data
        )


class VisitViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Visits (走访). POST with ``raise_case`` reports a case from the visit's finding in the same step."""

    queryset = Visit.objects.select_related("area", "visitor")
    serializer_class = s.VisitSerializer
    filterset_fields = ["household", "person", "place", "visitor"]
    ordering_fields = ["visited_at"]

    @extend_schema(parameters=[IDEMPOTENCY_KEY])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.visit_record(actor=self.request.user, **serializer.validated_data)


class VisitTaskViewSet(ScopedReadOnlyViewSet):
    """Open follow-ups of priority persons overdue for a visit (built daily)."""

    queryset = VisitTask.objects.filter(status=VisitTask.Status.OPEN).select_related(
        "person", "person__household", "tag", "area"
    )
    serializer_class = s.VisitTaskSerializer
    ordering_fields = ["due_on"]


class PiiAccessLogViewSet(ScopedReadOnlyViewSet):
    """The personal-information access log (district centre)."""

    queryset = PiiAccessLog.objects.select_related("actor", "person")
    serializer_class = s.PiiAccessLogSerializer
    filterset_fields = ["action", "actor", "person"]


class ImportJobViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ScopedGenericViewSet):
    """Imports of households and persons (.xlsx or .csv). Poll the job for progress and the row report."""

    queryset = ImportJob.objects.select_related("area")
    serializer_class = s.ImportJobSerializer

    @extend_schema(request={"multipart/form-data": s.ImportUploadSerializer})
    def create(self, request, *args, **kwargs):
        body = s.ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        job = import_jobs.import_start(actor=request.user, **body.validated_data)
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("filetype", str, enum=["xlsx", "csv"])],
        responses={(200, XLSX): bytes, (200, "text/csv"): bytes},
    )
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The import template (.xlsx by default, or CSV) with the expected columns and one example row."""
        fmt = request.query_params.get("filetype", "xlsx")
        content, content_type, filename = imports.template_file(fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class CoverageViewSet(ScopedGenericViewSet):
    """Visit coverage of a month per area at a level, per grid worker, and in total, inside one's reach."""

    queryset = Visit.objects.none()  # figures come from visits.coverage_*, which scope by the user's reach
    pagination_class = None

    @extend_schema(parameters=[s.CoverageQuerySerializer], responses={200: dict})
    def list(self, request):
        query = s.CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not access.read_codes(request.user):
            raise NotFound()
        month = query.validated_data.get("month") or timezone.localdate()
        within = query.validated_data["within"]
        rows = visits.coverage_by_area(
            request.user, month=month, level=Level(query.validated_data["level"]), within=within
        )
        total = visits.coverage_total(rows)

        def as_dict(r):
            return {
                "code": r.code,
                "name": r.name,
                "households": r.households,
                "visited": r.visited,
                "visits": r.visits,
                "rate": r.rate,
            }

        return Response(
            {
                "month": month.strftime("%Y-%m"),
                "areas": [as_dict(r) for r in rows],
                "total": as_dict(total),
                "workers": visits.coverage_by_worker(request.user, month=month, within=within),
            }
        )

"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

import django_filters
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status
from rest_framework.response import Response

from gridgov.api import ScopedGenericViewSet

from . import services
from .models import PatrolPosition, TrackAccessLog
from .serializers import PatrolPointSerializer, PatrolPositionSerializer, PatrolRecordedSerializer


class PatrolCursorPagination(pagination.CursorPagination):
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"


class PatrolPositionFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="lt")

    class Meta:
        model = PatrolPosition
        fields = ["user", "since", "until", "inside"]


POINT_EXAMPLE = OpenApiExample(
    "a fix on patrol",
    value={"lat": 28.2025, "lon": 112.9025, "accuracy_m": 12.5, "recorded_at": "2026-05-11T09:30:00+08:00"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="Patrol positions (tracks) you may see",
        description="Your own points, and those of the grid workers you supervise (grid leader, "
        "community, street, district centre). Every page that shows someone else's "
        "points is logged as a track access.",
    ),
    retrieve=extend_schema(summary="One patrol position"),
)
class PatrolPositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Grid workers' patrol positions: posted by the worker's phone, read by the worker and supervisors."""

    queryset = PatrolPosition.objects.select_related("user")
    serializer_class = PatrolPositionSerializer
    pagination_class = PatrolCursorPagination
    filterset_class = PatrolPositionFilter
    ordering_fields = []
    search_fields = []

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = (
            response.data.get("results", response.data) if isinstance(response.data, dict) else response.data
        )
        self._log(request, rows)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        self._log(request, [response.data])
        return response

    def _log(self, request, rows):
        if not rows:
            return
        times = sorted(parse_datetime(row["recorded_at"]) for row in rows)
        services.track_access_record(
            viewer=request.user,
            subject_ids=[row["user"] for row in rows],
            start=times[0],
            end=times[-1],
            via=TrackAccessLog.Via.API,
        )

    @extend_schema(
        request=PatrolPointSerializer,
        examples=[POINT_EXAMPLE],
        responses={
            201: PatrolRecordedSerializer,
            200: OpenApiResponse(PatrolRecordedSerializer, description="merged into the previous point"),
            400: OpenApiResponse(description="invalid input, per field"),
            403: OpenApiResponse(description="only grid workers share positions"),
        },
        summary="Share one patrol position",
        description="Sent by the patrol page every 30 s while the worker is on patrol. A point closer than "
        f"{services.MIN_INTERVAL_SECONDS} s to the last one is merged (200); a point outside every "
        "boundary is kept with inside=false.",
    )
    def create(self, request, *args, **kwargs):
        point = PatrolPointSerializer(data=request.data)
        point.is_valid(raise_exception=True)
        result = services.patrol_position_record(actor=request.user, **point.validated_data)
        body = PatrolRecordedSerializer({"merged": result.merged, "position": result.position}).data
        return Response(body, status=status.HTTP_200_OK if result.merged else status.HTTP_201_CREATED)


ROUTES = [
    ("patrol/positions", PatrolPositionViewSet, "patrol-position"),
]

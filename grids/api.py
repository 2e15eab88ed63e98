import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response

from gridgov.api import ScopedReadOnlyViewSet

from .models import Area, Level, Membership
from .selectors import grid_for_point, nearest_grid
from .serializers import (
    AreaDetailSerializer,
    AreaSerializer,
    LocateAnswerSerializer,
    LocateQuerySerializer,
    MembershipSerializer,
    MeSerializer,
)


class AreaFilter(django_filters.FilterSet):
    within = django_filters.CharFilter(method="filter_within", label="area subtree (code)")
    level = django_filters.ChoiceFilter(choices=Level.choices)

    class Meta:
        model = Area
        fields = ["level", "parent", "is_active", "kind", "within"]

    def filter_within(self, qs, name, value):
        return qs.subtree(value) if value else qs


class AreaViewSet(ScopedReadOnlyViewSet):
    """The administrative tree: district, streets, communities, grids and micro-grids within one's scope."""

    queryset = Area.objects.select_related("parent")
    filterset_class = AreaFilter
    ordering_fields = ["code", "name"]
    search_fields = ["name", "code"]

    def get_serializer_class(self):
        return AreaDetailSerializer if self.action == "retrieve" else AreaSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses=LocateAnswerSerializer,
    )
    @action(detail=False, methods=["get"])
    def locate(self, request):
        """The grid a point falls in (``grid_for_point``), or the nearest grid as a suggestion."""
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lat, lon = query.validated_data["lat"], query.validated_data["lon"]
        area_id = grid_for_point(lat, lon)
        visible = self.get_queryset()
        if area_id is not None:
            area = visible.filter(pk=area_id).first()
            return Response({"inside": True, "area": AreaSerializer(area).data if area else None})
        nearest_id = nearest_grid(lat, lon)
        area = visible.filter(pk=nearest_id).first() if nearest_id else None
        return Response(
            {"inside": False, "area": None, "nearest": AreaSerializer(area).data if area else None}
        )


class MembershipViewSet(ScopedReadOnlyViewSet):
    """Who holds which role where, within one's scope."""

    queryset = Membership.objects.select_related("user", "area", "department").order_by("id")
    serializer_class = MembershipSerializer
    filterset_fields = ["role", "area", "department", "is_active"]
    ordering_fields = ["id"]


class MeView(RetrieveAPIView):
    """The signed-in user and their memberships."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user

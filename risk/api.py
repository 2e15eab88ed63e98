"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

import datetime

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from gridgov.api import ScopedReadOnlyViewSet

from . import api_examples, selectors, services
from .models import Hotspot, RiskScore, RiskSettings, RiskWarning
from .serializers import (
    HotspotSerializer,
    RecomputeSummarySerializer,
    RiskScoreSerializer,
    RiskSettingsSerializer,
    WarningAcknowledgeSerializer,
    WarningCloseSerializer,
    WarningEscalateSerializer,
    WarningSerializer,
    WarningTransferSerializer,
)


def parse_date_safe(text):
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return datetime.date.min  # a malformed day is a day with no scores


@extend_schema_view(
    list=extend_schema(
        summary="Grids' risk scores and their components (latest day, or ?day=YYYY-MM-DD), highest first",
        examples=[api_examples.SCORE_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One grid's score on one day", examples=[api_examples.SCORE_EXAMPLE]),
)
class RiskScoreViewSet(ScopedReadOnlyViewSet):
    queryset = RiskScore.objects.select_related("area")
    serializer_class = RiskScoreSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        day = parse_date_safe(self.request.query_params.get("day"))
        if day:
            return qs.filter(day=day).order_by("-score", "area_code")
        latest = qs.order_by("-day").values_list("day", flat=True).first()
        return qs.filter(day=latest).order_by("-score", "area_code")


@extend_schema_view(
    list=extend_schema(summary="Hotspots of the latest day with their cases"),
    retrieve=extend_schema(summary="One hotspot with its cases"),
)
class HotspotViewSet(ScopedReadOnlyViewSet):
    queryset = Hotspot.objects.select_related("category", "area").prefetch_related("cases")
    serializer_class = HotspotSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        latest = qs.order_by("-day").values_list("day", flat=True).first()
        return qs.filter(day=latest).order_by("-case_count", "id")


@extend_schema_view(
    list=extend_schema(
        summary="Early warnings (预警) in your areas, newest first; ?status=open|acknowledged|closed"
    ),
    retrieve=extend_schema(summary="One warning with its reason", examples=[api_examples.WARNING_EXAMPLE]),
)
class WarningViewSet(ScopedReadOnlyViewSet):
    queryset = RiskWarning.objects.select_related("area", "unit_area", "unit_department")
    serializer_class = WarningSerializer

    def get_queryset(self):
        qs = super().get_queryset().order_by("-opened_at", "-id")
        status = self.request.query_params.get("status")
        if self.action == "list" and status in RiskWarning.Status.values:
            qs = qs.filter(status=status)
        return qs

    @extend_schema(summary="Acknowledge the warning (签收)", request=WarningAcknowledgeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        body = WarningAcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = services.warning_acknowledge(
            warning_id=self.get_object().pk, actor=request.user, **body.validated_data
        )
        return Response(WarningSerializer(warning).data)

    @extend_schema(
        summary="Close the warning with its outcome",
        request=WarningCloseSerializer,
        examples=[api_examples.CLOSE_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = WarningCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = services.warning_close(
            warning_id=self.get_object().pk, actor=request.user, **body.validated_data
        )
        return Response(WarningSerializer(warning).data)

    @extend_schema(
        summary="Transfer the warning to another unit of its district (转办)",
        request=WarningTransferSerializer,
        examples=[api_examples.TRANSFER_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        body = WarningTransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        warning = services.warning_transfer(
            warning_id=self.get_object().pk,
            actor=request.user,
            area_code=data["area_code"],
            department_id=data["department"],
            comment=data["comment"],
        )
        return Response(WarningSerializer(warning).data)

    @extend_schema(summary="Escalate the warning to the unit above (上报)", request=WarningEscalateSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        body = WarningEscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        warning = services.warning_escalate(
            warning_id=self.get_object().pk, actor=request.user, **body.validated_data
        )
        return Response(WarningSerializer(warning).data)


@extend_schema_view(
    list=extend_schema(summary="The risk settings of your district(s): weights and thresholds"),
    retrieve=extend_schema(summary="One district's risk settings"),
    partial_update=extend_schema(
        summary="Set weights and thresholds (district centre)", examples=[api_examples.SETTINGS_EXAMPLE]
    ),
)
class RiskSettingsViewSet(mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    queryset = RiskSettings.objects.select_related("district").order_by("district__code")
    serializer_class = RiskSettingsSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def list(self, request, *args, **kwargs):
        for district in selectors.districts_of(request.user):  # a district's row exists once it is asked for
            services.settings_for(district)
        return super().list(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        found = self.get_object()
        body = RiskSettingsSerializer(found, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        saved = services.settings_update(district=found.district, actor=request.user, **body.validated_data)
        return Response(RiskSettingsSerializer(saved).data)

    @extend_schema(
        summary="Recompute the district's scores, hotspots and warnings now (district centre)",
        request=None,
        responses=RecomputeSummarySerializer,
    )
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        found = self.get_object()
        return Response(
            RecomputeSummarySerializer(
                services.risk_recompute(district=found.district, actor=request.user)
            ).data
        )


ROUTES = [
    ("risk/scores", RiskScoreViewSet, "risk-score"),
    ("risk/hotspots", HotspotViewSet, "risk-hotspot"),
    ("risk/warnings", WarningViewSet, "risk-warning"),
    ("risk/settings", RiskSettingsViewSet, "risk-settings"),
]

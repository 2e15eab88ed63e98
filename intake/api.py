"""Integration endpoints: the hotline connector and sensor platforms, authenticated by API key only.

Routes (prefix, viewset, basename) are registered on /api/v1/ by gridgov/api_urls.py.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.services import ActionNotAllowed
from gridgov.api import ConflictSerializer, ScopedGenericViewSet, conflict

from . import hotline, sensors
from .authentication import ApiKeyAuthentication
from .models import HotlineOrder, SensorAlert, SensorStream
from .selectors import order_status, orders_for_status
from .serializers import (
    HotlineCallbackSerializer,
    HotlineOrderInSerializer,
    HotlineOrderStatusSerializer,
    SensorAlertInSerializer,
    SensorAlertOutSerializer,
)


class HotlineKey(ApiKeyAuthentication):
    kinds = ["hotline"]


class SensorKey(ApiKeyAuthentication):
    kinds = ["sensor"]


class IsIntegration(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth is not None and getattr(request.auth, "pk", None) is not None


class HotlineOrderViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """12345 work orders: create a case (idempotent on the order number), read its status, send the
    callback."""

    authentication_classes = [HotlineKey]
    permission_classes = [IsIntegration]
    serializer_class = HotlineOrderStatusSerializer
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return orders_for_status().order_by("-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([order_status(o, masked=True) for o in page])

    def retrieve(self, request, external_id=None):
        return Response(HotlineOrderStatusSerializer(order_status(self.get_object())).data)

    @extend_schema(
        request=HotlineOrderInSerializer,
        responses={
            200: HotlineOrderStatusSerializer,
            201: HotlineOrderStatusSerializer,
            409: OpenApiResponse(ConflictSerializer, "the order number came before with other content"),
        },
        summary="Receive a work order",
        description="201 with the new case; 200 with the same case when the order was received "
        "before; 409 when the same order number arrives with different content.",
    )
    def create(self, request):
        data = HotlineOrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = hotline.order_receive(integration=request.auth, data=data.validated_data)
        except hotline.OrderConflict as exc:
            return conflict(exc)
        order = orders_for_status().get(pk=result.order.pk)
        return Response(
            HotlineOrderStatusSerializer(order_status(order)).data, status=201 if result.created else 200
        )

    @extend_schema(
        request=HotlineCallbackSerializer,
        responses={
            200: HotlineOrderStatusSerializer,
            409: OpenApiResponse(ConflictSerializer, "the case is not closed, or another callback came"),
        },
        summary="The hotline's callback result",
        description="Evaluates the closed case with the caller's satisfaction. 409 before closing, "
        "or when a different callback was recorded already.",
    )
    @action(detail=True, methods=["post"])
    def callback(self, request, external_id=None):
        self.get_object()  # 404 for another integration's order
        data = HotlineCallbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            order = hotline.order_callback(
                integration=request.auth, external_id=external_id, **data.validated_data
            )
        except hotline.OrderConflict as exc:
            return conflict(exc)
        except ActionNotAllowed as exc:
            return conflict(exc, allowed=exc.allowed)
        except HotlineOrder.DoesNotExist as exc:
            raise Http404 from exc
        return Response(HotlineOrderStatusSerializer(order_status(orders_for_status().get(pk=order.pk))).data)


class SensorAlertViewSet(ScopedGenericViewSet):
    """Sensor alerts: the first opens a case, repeats within the rule's window join it."""

    authentication_classes = [SensorKey]
    permission_classes = [IsIntegration]
    queryset = SensorAlert.objects.all()
    serializer_class = SensorAlertOutSerializer

    @extend_schema(
        request=SensorAlertInSerializer,
        responses={200: SensorAlertOutSerializer, 201: SensorAlertOutSerializer},
        summary="Receive a sensor alert",
        description="201 when recorded (opened_case says whether it opened a new case or joined the "
        "open one); 200 for a retried alert_id; 400 for an alert type without a rule.",
    )
    def create(self, request):
        data = SensorAlertInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = sensors.alert_receive(integration=request.auth, **data.validated_data)
        stream = SensorStream.objects.filter(
            device=result.alert.device, alert_type=result.alert.alert_type
        ).first()
        result.alert_count = stream.alert_count if stream and stream.case_id == result.case.pk else 1
        return Response(SensorAlertOutSerializer(result).data, status=200 if result.replay else 201)


ROUTES = [
    ("intake/hotline/orders", HotlineOrderViewSet, "intake-hotline-order"),
    ("intake/sensors/alerts", SensorAlertViewSet, "intake-sensor-alert"),
]

"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from gridgov.api import ScopedReadOnlyViewSet

from . import rota, selectors, services
from .api_examples import (
    HANDOVER_EXAMPLE,
    OVERLAP_REFUSED,
    REFUSE_EXAMPLE,
    ROSTER_EXAMPLE,
    ROTA_EXAMPLE,
    SWAP_EXAMPLE,
    SWAP_OUTSIDER,
)
from .models import DutyEvent, Handover, Roster, RosterStatus, Shift, Swap
from .serializers import (
    DutyEventSerializer,
    HandoverCreateSerializer,
    HandoverSerializer,
    RefuseSerializer,
    RosterCreateSerializer,
    RosterSerializer,
    ShiftSerializer,
    SwapCreateSerializer,
    SwapSerializer,
)

UNIT_PARAM = OpenApiParameter("unit", str, description="a unit's area code (centre, street or community)")


def _unit_filter(request, qs):
    code = request.query_params.get("unit", "")
    return qs.filter(unit_code=code) if code else qs


@extend_schema_view(
    list=extend_schema(
        summary="Duty rosters (值班表) of the units you belong to or oversee", parameters=[UNIT_PARAM]
    ),
    retrieve=extend_schema(summary="One roster"),
    create=extend_schema(
        summary="Save a unit's roster for a period (a draft)",
        description="Give the shifts one by one, or a rota to draw them on the working-time calendar. "
        "The whole roster is refused (400, nothing kept) when a shift ends before it starts, falls outside "
        "the period, names someone not of the unit, or puts a person on two overlapping shifts (in this "
        "roster or another).",
        request=RosterCreateSerializer,
        examples=[ROSTER_EXAMPLE, ROTA_EXAMPLE, OVERLAP_REFUSED],
    ),
)
class RosterViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Roster.objects.select_related("unit", "leader")
    serializer_class = RosterSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        return _unit_filter(self.request, qs) if self.action == "list" else qs

    def get_serializer_class(self):
        return RosterCreateSerializer if self.action == "create" else RosterSerializer

    def create(self, request, *args, **kwargs):
        data = RosterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        shifts = v.get("shifts") or rota.rota_plan(
            unit=v["unit"], starts_on=v["starts_on"], ends_on=v["ends_on"], **v["rota"]
        )
        roster = services.roster_save(
            actor=request.user,
            unit=v["unit"],
            starts_on=v["starts_on"],
            ends_on=v["ends_on"],
            leader=v["leader"],
            title=v["title"],
            shifts=shifts,
        )
        return Response(RosterSerializer(roster).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the roster (staff of its unit or above)", request=None, responses=RosterSerializer
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        roster = services.roster_publish(actor=request.user, roster_id=self.get_object().pk)
        return Response(RosterSerializer(roster).data)


@extend_schema_view(
    list=extend_schema(
        summary="Shifts of the rosters you see",
        parameters=[
            UNIT_PARAM,
            OpenApiParameter("from", dt.date, description="shifts starting on or after this day"),
            OpenApiParameter("to", dt.date, description="shifts starting before this day"),
        ],
    ),
    retrieve=extend_schema(summary="One shift"),
)
class ShiftViewSet(ScopedReadOnlyViewSet):
    queryset = Shift.objects.select_related("person").order_by("starts_at", "post", "id")
    serializer_class = ShiftSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        qs = _unit_filter(self.request, qs)
        for param, lookup in (("from", "starts_at__gte"), ("to", "starts_at__lt")):
            day = _date(self.request.query_params.get(param))
            if day is not None:
                qs = qs.filter(
                    **{lookup: dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())}
                )
        return qs

    @extend_schema(
        summary="Who is on duty now (published rosters of the units you see)",
        responses=ShiftSerializer(many=True),
    )
    @action(detail=False, pagination_class=None)
    def now(self, request):
        at = timezone.now()
        qs = (
            self.get_queryset()
            .filter(
                roster__status=RosterStatus.PUBLISHED,
                starts_at__lte=at,
                starts_at__gt=at - selectors.LONGEST_SHIFT,
                ends_at__gt=at,
            )
            .order_by("unit_code", "post", "person__username")
        )
        return Response(ShiftSerializer(qs[:500], many=True).data)

    @extend_schema(
        summary="Ask another of the unit to take this shift (the person on it)",
        request=SwapCreateSerializer,
        responses={201: SwapSerializer},
        examples=[SWAP_EXAMPLE, SWAP_OUTSIDER],
    )
    @action(detail=True, methods=["post"])
    def swap(self, request, pk=None):
        data = SwapCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        swap = services.swap_request(actor=request.user, shift_id=self.get_object().pk, **data.validated_data)
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Hand the shift over: what happened, matters still open",
        request=HandoverCreateSerializer,
        responses={201: HandoverSerializer},
        examples=[HANDOVER_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        data = HandoverCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = services.handover_write(
            actor=request.user, shift_id=self.get_object().pk, **data.validated_data
        )
        return Response(HandoverSerializer(handover).data, status=status.HTTP_201_CREATED)


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@extend_schema_view(
    list=extend_schema(summary="Shift swaps (换班) in the units you see"),
    retrieve=extend_schema(summary="One swap"),
)
class SwapViewSet(ScopedReadOnlyViewSet):
    queryset = Swap.objects.select_related("requester", "substitute")
    serializer_class = SwapSerializer

    @extend_schema(summary="Approve the swap (the roster's leader)", request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        swap = services.swap_approve(actor=request.user, swap_id=self.get_object().pk)
        return Response(SwapSerializer(swap).data)

    @extend_schema(
        summary="Refuse the swap, saying why (the roster's leader)",
        request=RefuseSerializer,
        responses=SwapSerializer,
        examples=[REFUSE_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        data = RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        swap = services.swap_refuse(actor=request.user, swap_id=self.get_object().pk, **data.validated_data)
        return Response(SwapSerializer(swap).data)


@extend_schema_view(
    list=extend_schema(summary="Handover logs (交接班记录) in the units you see"),
    retrieve=extend_schema(summary="One handover log"),
)
class HandoverViewSet(ScopedReadOnlyViewSet):
    queryset = Handover.objects.select_related("written_by")
    serializer_class = HandoverSerializer


@extend_schema_view(
    list=extend_schema(summary="The duty trail: every step of the rosters you see, hash-chained"),
    retrieve=extend_schema(summary="One step"),
)
class DutyEventViewSet(ScopedReadOnlyViewSet):
    queryset = DutyEvent.objects.order_by("-seq")
    serializer_class = DutyEventSerializer


ROUTES = [
    ("duty/rosters", RosterViewSet, "duty-roster"),
    ("duty/shifts", ShiftViewSet, "duty-shift"),
    ("duty/swaps", SwapViewSet, "duty-swap"),
    ("duty/handovers", HandoverViewSet, "duty-handover"),
    ("duty/events", DutyEventViewSet, "duty-event"),
]

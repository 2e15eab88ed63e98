"""The command centre over HTTP: departments, routing rules and suggestions, whistles, assists, the inbox."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.models import Case
from gridgov.api import ScopedGenericViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet
from grids.models import Department
from grids.scope import reach, scoped

from . import selectors, services
from . import serializers as s
from .models import CaseAssist, Notification, RoutingRule, Whistle
from .routing import routing_suggest


def _visible_case(user, case_id) -> Case:
    case = scoped(user, Case.objects.all()).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


class DepartmentViewSet(ScopedReadOnlyViewSet):
    """Departments (职能部门) serving your areas, and your own."""

    queryset = Department.objects.select_related("area").prefetch_related("covered_areas")
    serializer_class = s.DepartmentSerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name"]


class RoutingRuleViewSet(ScopedModelViewSet):
    """Routing rules: category (+ area subtree, + level) → department or the case's own team."""

    queryset = RoutingRule.objects.select_related("category", "owner_area", "area", "department")
    serializer_class = s.RoutingRuleSerializer
    filterset_fields = ["category__code", "is_active", "level"]

    def perform_create(self, serializer):
        serializer.instance = services.routing_rule_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        rule = serializer.instance
        data = {
            **{
                k: getattr(rule, k)
                for k in (
                    "category",
                    "owner_area",
                    "area",
                    "level",
                    "department",
                    "team",
                    "priority",
                    "is_active",
                )
            },
            **serializer.validated_data,
        }
        serializer.instance = services.routing_rule_save(actor=self.request.user, rule=rule, **data)

    def perform_destroy(self, instance):
        services.routing_rule_delete(actor=self.request.user, rule=instance)


class RoutingSuggestViewSet(ScopedGenericViewSet):
    """``GET /api/v1/routing/suggest/?case=ID``: handling units for a case you can see, best first."""

    queryset = Case.objects.all()
    pagination_class = None
    filter_backends = []
    serializer_class = s.SuggestionSerializer

    @extend_schema(
        parameters=[OpenApiParameter("case", int, required=True)], responses=s.SuggestionSerializer(many=True)
    )
    def list(self, request):
        case_id = request.query_params.get("case", "")
        if not case_id.isdigit():
            raise exceptions.ValidationError({"case": [_("Give the id of a case.")]})
        case = self.get_queryset().filter(pk=int(case_id)).select_related("category").first()
        if case is None:
            raise Http404
        return Response(s.SuggestionSerializer(routing_suggest(case), many=True).data)


class WhistleViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Whistles (吹哨报到): summon departments to a case; each reports its arrival."""

    queryset = Whistle.objects.select_related("area").prefetch_related("calls__department")
    serializer_class = s.WhistleSerializer
    filterset_fields = ["case"]

    @extend_schema(request=s.WhistleSummonSerializer, responses={201: s.WhistleSerializer})
    def create(self, request, *args, **kwargs):
        data = s.WhistleSummonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = _visible_case(request.user, v["case"])
        whistle = services.whistle_summon(
            case_id=case.pk,
            actor=request.user,
            departments=v["departments"],
            reason=v["reason"],
            minutes=v["minutes"],
        )
        return Response(
            s.WhistleSerializer(self.get_queryset().get(pk=whistle.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.WhistleArriveSerializer, responses=s.WhistleCallSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        whistle = self.get_object()
        data = s.WhistleArriveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        calls = whistle.calls.all()
        if "department" in v:
            calls = calls.filter(department=v["department"])
        elif not request.user.is_superuser:
            calls = calls.filter(department_id__in=reach(request.user).department_ids)
        calls = list(calls[:2])
        if len(calls) != 1:
            raise exceptions.ValidationError(
                {
                    "department": [
                        _("Say which summoned department you report for.")
                        if calls
                        else _("None of your departments was summoned.")
                    ]
                }
            )
        call = services.whistle_arrive(
            call_id=calls[0].pk, actor=request.user, lat=v.get("lat"), lon=v.get("lon"), note=v["note"]
        )
        return Response(s.WhistleCallSerializer(call).data)


class CaseAssistViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Co-handling (主办/协办): assisting departments on a case and their answers."""

    queryset = CaseAssist.objects.select_related("department")
    serializer_class = s.CaseAssistSerializer
    filterset_fields = ["case", "status"]

    @extend_schema(request=s.AssistRequestSerializer, responses={201: s.CaseAssistSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        data = s.AssistRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = _visible_case(request.user, v["case"])
        assists = services.assist_request(
            case_id=case.pk,
            actor=request.user,
            departments=v["departments"],
            amount=v.get("amount"),
            unit=v.get("unit"),
        )
        return Response(s.CaseAssistSerializer(assists, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssistAnswerSerializer, responses=s.CaseAssistSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        assist = self.get_object()
        data = s.AssistAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assist = services.assist_answer(
                assist_id=assist.pk, actor=request.user, answer=data.validated_data["answer"]
            )
        except ObjectDoesNotExist:
            raise Http404 from None
        return Response(s.CaseAssistSerializer(assist).data)


class NotificationViewSet(ScopedReadOnlyViewSet):
    """Your inbox: newest first; ``?unread=1`` for unread only; the page carries the unread count."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    filterset_fields = ["kind", "case"]
    filter_backends = []

    def get_queryset(self):
        qs = Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread"] = selectors.unread_count(request.user)
        return response

    @extend_schema(responses=s.UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notifications_mark_read(actor=request.user, ids=[notification.pk])
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=s.MarkReadSerializer, responses={200: {"type": "object"}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        data = s.MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(actor=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})

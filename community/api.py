"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

import datetime

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from cases.models import Category
from gridgov.api import ScopedReadOnlyViewSet
from grids.models import Area
from grids.scope import area_roots, reach, scoped
from tasks.models import AdmissionItem, Task

from . import selectors, services
from .api_examples import (
    ACTIVITY_EXAMPLE,
    ADJUST_EXAMPLE,
    COUNCIL_EXAMPLE,
    DECISION_EXAMPLE,
    MEETING_EXAMPLE,
    NO_QUORUM,
    OVER_BALANCE,
    RAISE_EXAMPLE,
    RANKING_EXAMPLE,
    REDEEM_EXAMPLE,
    RULE_EXAMPLE,
    TEAM_MEMBER_EXAMPLE,
    VOLUNTEER_EXAMPLE,
)
from .models import (
    Activity,
    Council,
    FollowUp,
    Meeting,
    Participation,
    PartyBranch,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    TeamMember,
    Volunteer,
)
from .serializers import (
    ActivitySerializer,
    AdjustSerializer,
    CheckInSerializer,
    CouncilFollowUpSerializer,
    CouncilSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    FollowUpRaiseSerializer,
    MeetingSerializer,
    ParticipationSerializer,
    PartyBranchSerializer,
    PointEntrySerializer,
    PointRuleSerializer,
    RankingRowSerializer,
    RedeemSerializer,
    RedemptionSerializer,
    RewardSerializer,
    SignUpSerializer,
    TeamMemberSerializer,
    VolunteerSerializer,
)

MAX_ID = 2**63 - 1


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


@extend_schema_view(
    list=extend_schema(
        summary="The grids' “1+X” teams (社区民警, 楼栋长, 微网格联络员, 党员, 志愿者, 网格员)",
        parameters=[OpenApiParameter("area", str, description="a grid's code")],
    ),
    retrieve=extend_schema(summary="One team member"),
    create=extend_schema(
        summary="Seat someone on a grid's team (work phone only: it is on the public card)",
        examples=[TEAM_MEMBER_EXAMPLE],
    ),
)
class TeamMemberViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = TeamMember.objects.select_related("area")
    serializer_class = TeamMemberSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        code = self.request.query_params.get("area")
        return qs.filter(area__code=code) if code else qs

    def create(self, request, *args, **kwargs):
        data = TeamMemberSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        member = services.team_member_add(actor=request.user, **data.validated_data)
        return Response(TeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take the member off the team", request=None)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        member = services.team_member_retire(actor=request.user, member=self.get_object())
        return Response(TeamMemberSerializer(member).data)


@extend_schema_view(
    list=extend_schema(summary="Grid party branches and groups (网格党支部)"),
    retrieve=extend_schema(summary="One party branch"),
    create=extend_schema(summary="Found a grid party branch or group"),
)
class PartyBranchViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = PartyBranch.objects.select_related("area")
    serializer_class = PartyBranchSerializer

    def create(self, request, *args, **kwargs):
        data = PartyBranchSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        branch = services.party_branch_create(actor=request.user, **data.validated_data)
        return Response(PartyBranchSerializer(branch).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Volunteers and micro-grid liaisons, with their points balance"),
    retrieve=extend_schema(summary="One volunteer"),
    create=extend_schema(summary="Register a resident as a volunteer", examples=[VOLUNTEER_EXAMPLE]),
)
class VolunteerViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Volunteer.objects.select_related("person", "community", "area")
    serializer_class = VolunteerSerializer

    def create(self, request, *args, **kwargs):
        data = VolunteerSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        volunteer = services.volunteer_register(actor=request.user, **data.validated_data)
        return Response(VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Adjust a volunteer's points, with the reason (community desk)",
        request=AdjustSerializer,
        responses=PointEntrySerializer,
        examples=[ADJUST_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        data = AdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.points_adjust(actor=request.user, volunteer=self.get_object(), **data.validated_data)
        return Response(PointEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Redeem a reward at the community desk",
        description="Send an ``Idempotency-Key`` header: a retry with the same key returns the first "
        "redemption (200) and takes no points twice. Over the balance or the stock: 400.",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        request=RedeemSerializer,
        responses={201: RedemptionSerializer, 200: RedemptionSerializer},
        examples=[REDEEM_EXAMPLE, OVER_BALANCE],
    )
    @action(detail=True, methods=["post"])
    def redeem(self, request, pk=None):
        volunteer = self.get_object()
        data = RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            raise ApiValidationError({"idempotency_key": [_("Send an Idempotency-Key header.")]})
        reward = scoped(request.user, Reward.objects.filter(pk=data.validated_data["reward"])).first()
        if reward is None:
            raise ApiValidationError({"reward": [_("No such reward.")]})
        before = Redemption.objects.filter(request_token=key[:128]).exists()
        redemption = services.reward_redeem(
            actor=request.user,
            volunteer=volunteer,
            reward=reward,
            quantity=data.validated_data["quantity"],
            request_token=key,
        )
        code = status.HTTP_200_OK if before else status.HTTP_201_CREATED
        return Response(RedemptionSerializer(redemption).data, status=code)

    @extend_schema(
        summary="A month's ranking of volunteers by points earned, in an area (default: your whole view)",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM (default: this month)"),
            OpenApiParameter("area", str, description="an area code in your view"),
        ],
        responses=RankingRowSerializer(many=True),
        examples=[RANKING_EXAMPLE],
    )
    @action(detail=False, pagination_class=None)
    def ranking(self, request):
        month = _month(request.query_params.get("month"))
        code = str(request.query_params.get("area") or "")[:24]
        mine = reach(request.user)
        if request.user.is_superuser:
            codes = [code]
        elif code:
            if not mine.covers(code, selectors.AREA_ROLES):
                raise Http404
            codes = [code]
        else:
            codes = area_roots(mine.codes(selectors.AREA_ROLES))
        rows = []
        for c in codes:
            rows += selectors.ranking(area_code=c, month=month)
        rows.sort(key=lambda r: (-r["earned"], r["volunteer"]))
        for i, row in enumerate(rows[:50], 1):
            row["rank"] = i
        return Response(RankingRowSerializer(rows[:50], many=True).data)


def _month(text) -> datetime.date:
    try:
        return datetime.datetime.strptime(str(text or ""), "%Y-%m").date()
    except ValueError:
        if text:
            raise ApiValidationError({"month": [_("Give the month as YYYY-MM.")]}) from None
        return selectors.month_start(datetime.date.today())


@extend_schema_view(
    list=extend_schema(
        summary="The points ledger (append-only, hash-chained)",
        parameters=[OpenApiParameter("volunteer", int)],
    ),
    retrieve=extend_schema(summary="One ledger entry"),
)
class PointEntryViewSet(ScopedReadOnlyViewSet):
    queryset = PointEntry.objects.order_by("-seq")
    serializer_class = PointEntrySerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("volunteer"))
        return qs.filter(volunteer_id=chosen) if chosen is not None else qs


@extend_schema_view(
    list=extend_schema(summary="Points rules per activity type, set by each community"),
    retrieve=extend_schema(summary="One points rule"),
    create=extend_schema(
        summary="Set (or change) a community's rule for an activity type", examples=[RULE_EXAMPLE]
    ),
)
class PointRuleViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = PointRule.objects.select_related("community")
    serializer_class = PointRuleSerializer

    def create(self, request, *args, **kwargs):
        data = PointRuleSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        rule = services.point_rule_set(actor=request.user, **data.validated_data)
        return Response(PointRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The rewards catalogue, with stock"),
    retrieve=extend_schema(summary="One reward"),
    create=extend_schema(summary="Add a reward to a community's catalogue"),
)
class RewardViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Reward.objects.select_related("community")
    serializer_class = RewardSerializer

    def create(self, request, *args, **kwargs):
        data = RewardSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        reward = services.reward_add(actor=request.user, **data.validated_data)
        return Response(RewardSerializer(reward).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Volunteer activities of the communities in your view"),
    retrieve=extend_schema(summary="One activity"),
    create=extend_schema(summary="Create an activity (community desk)", examples=[ACTIVITY_EXAMPLE]),
)
class ActivityViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = (
        Activity.objects.select_related("community")
        .annotate(signed_up=Count("participations"))
        .order_by("-starts_at", "-id")
    )
    serializer_class = ActivitySerializer

    def create(self, request, *args, **kwargs):
        data = ActivitySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        task_id = d.pop("task_id", None)
        if task_id is None:
            activity = services.activity_create(actor=request.user, **d)
        else:
            task = scoped(request.user, Task.objects.filter(pk=task_id)).first()
            if task is None:
                raise ApiValidationError({"task": [_("No such task in your view.")]})
            activity = services.activity_from_task(actor=request.user, task=task, **d)
        activity.signed_up = 0
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Who signed up, checked in, and what they earned",
        responses=ParticipationSerializer(many=True),
    )
    @action(detail=True, pagination_class=None)
    def participants(self, request, pk=None):
        rows = self.get_object().participations.select_related("volunteer__person")
        return Response(ParticipationSerializer(rows, many=True).data)

    @extend_schema(summary="Sign a volunteer up", request=SignUpSerializer, responses=ParticipationSerializer)
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request, pk=None):
        activity = self.get_object()
        data = SignUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = get_object_or_404(
            scoped(request.user, Volunteer.objects.all()), pk=data.validated_data["volunteer"]
        )
        p = services.activity_sign_up(volunteer=volunteer, activity=activity, actor=request.user)
        return Response(ParticipationSerializer(p).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Check a volunteer in on site", request=CheckInSerializer, responses=ParticipationSerializer
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        activity = self.get_object()
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        p = get_object_or_404(
            scoped(request.user, Participation.objects.filter(activity=activity)),
            pk=data.validated_data["participation"],
        )
        p = services.participation_check_in(participation=p, actor=request.user)
        return Response(ParticipationSerializer(p).data)

    @extend_schema(summary="Close the activity and award the points of its rule", request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        activity = services.activity_complete(actor=request.user, activity=self.get_object())
        activity.signed_up = activity.participations.count()
        return Response(ActivitySerializer(activity).data)


@extend_schema_view(
    list=extend_schema(summary="Redemptions at the community desks"),
    retrieve=extend_schema(summary="One redemption"),
)
class RedemptionViewSet(ScopedReadOnlyViewSet):
    queryset = Redemption.objects.select_related("reward")
    serializer_class = RedemptionSerializer


@extend_schema_view(
    list=extend_schema(summary="Deliberation councils (议事会 / 四方议事) with their members by role"),
    retrieve=extend_schema(summary="One council"),
    create=extend_schema(
        summary="Form a council of a community or micro-grid (community desk)", examples=[COUNCIL_EXAMPLE]
    ),
)
class CouncilViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Council.objects.select_related("area").prefetch_related("members")
    serializer_class = CouncilSerializer

    def create(self, request, *args, **kwargs):
        data = CouncilSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        council = services.council_create(actor=request.user, **data.validated_data)
        return Response(CouncilSerializer(council).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Council meetings: agenda, members present, quorum, minutes, decisions with votes",
        parameters=[OpenApiParameter("council", int)],
    ),
    retrieve=extend_schema(summary="One meeting"),
    create=extend_schema(summary="Record a meeting held", examples=[MEETING_EXAMPLE]),
)
class MeetingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = (
        Meeting.objects.select_related("council")
        .prefetch_related("agenda__case", "present", "decisions__votes", "decisions__follow_ups")
        .order_by("-held_at", "-id")
    )
    serializer_class = MeetingSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("council"))
        return qs.filter(council_id=chosen) if chosen is not None else qs

    def create(self, request, *args, **kwargs):
        data = MeetingSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        d = data.validated_data
        meeting = services.meeting_hold(
            actor=request.user,
            council=d["council"],
            held_at=d["held_at"],
            place=d["place"],
            minutes=d.get("minutes", ""),
            present=d["present"],
            agenda=[
                {
                    "text": a.get("text") or "",
                    "case": ((a.get("case") or {}).get("number") or ""),
                    "task": a.get("task_id") or "",
                }
                for a in d["agenda"]
            ],
        )
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a decision with the votes of the members present and its follow-up actions",
        description="Refused (400) when the meeting was not quorate, for a vote of a non-member or of a "
        "member not present, and once the decisions are published.",
        request=DecisionInputSerializer,
        responses={201: DecisionSerializer},
        examples=[DECISION_EXAMPLE, NO_QUORUM],
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        meeting = self.get_object()
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decision_record(actor=request.user, meeting=meeting, **data.validated_data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Carry out a follow-up action as a task to the grids or as a case, linked both ways",
        description="A task needs an item of the admission list in force: without one (or with one grid "
        "workers may not be given) the refusal is recorded and answered (400) with its reason under `item`.",
        request=FollowUpRaiseSerializer,
        responses={201: CouncilFollowUpSerializer},
        examples=[RAISE_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def raise_follow_up(self, request, pk=None):
        meeting = self.get_object()
        data = FollowUpRaiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        action = get_object_or_404(FollowUp, pk=d["follow_up"], decision__meeting=meeting)
        if d["carry_out_as"] == "case":
            services.follow_up_to_case(
                actor=request.user,
                follow_up=action,
                category=Category.objects.filter(pk=d.get("category") or 0).first(),
                grid=Area.objects.filter(pk=d.get("grid") or 0).first(),
            )
        else:
            services.follow_up_to_task(
                actor=request.user,
                follow_up=action,
                item=AdmissionItem.objects.filter(pk=d.get("item") or 0).first(),
                grids=d.get("grids") or None,
            )
        action.refresh_from_db()
        return Response(CouncilFollowUpSerializer(action).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the decisions as a public notice to the council's area (/public/notices/?area=)",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        meeting = services.decisions_publish(actor=request.user, meeting=self.get_object())
        return Response(MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data)


ROUTES = [
    ("community/team-members", TeamMemberViewSet, "community-team-member"),
    ("community/party-branches", PartyBranchViewSet, "community-party-branch"),
    ("community/volunteers", VolunteerViewSet, "community-volunteer"),
    ("community/point-entries", PointEntryViewSet, "community-point-entry"),
    ("community/point-rules", PointRuleViewSet, "community-point-rule"),
    ("community/rewards", RewardViewSet, "community-reward"),
    ("community/activities", ActivityViewSet, "community-activity"),
    ("community/redemptions", RedemptionViewSet, "community-redemption"),
    ("community/councils", CouncilViewSet, "community-council"),
    ("community/meetings", MeetingViewSet, "community-meeting"),
]

"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from gridgov.api import ScopedReadOnlyViewSet
from grids.scope import scoped

from . import services
from .agreement_pdf import agreement_pdf
from .api_examples import (
    CONCLUDE_EXAMPLES,
    DISPUTE_EXAMPLE,
    FROM_CASE_EXAMPLE,
    SCREENING_EXAMPLES,
    SESSION_EXAMPLE,
    STEP_REFUSED_EXAMPLE,
)
from .models import Dispute, DisputeEvent, Mediator, Screening, Session
from .serializers import (
    ConcludeSerializer,
    DisputeCreateSerializer,
    DisputeEventSerializer,
    DisputeReasonSerializer,
    DisputeSerializer,
    FollowUpVisitSerializer,
    FromCaseSerializer,
    MediatorCreateSerializer,
    MediatorSerializer,
    PartyAddSerializer,
    PartySerializer,
    ReferSerializer,
    ScreeningCreateSerializer,
    ScreeningSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SignatureCreateSerializer,
    SignatureSerializer,
    StartSerializer,
    StepRefusedSerializer,
)
from .workflow import Status

MAX_ID = 2**63 - 1
PDF = "application/pdf"


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


def _refused(exc: services.NotAllowedNow) -> Response:
    return Response(
        {"code": "not_allowed_now", "message": exc.message, "allowed": exc.allowed},
        status=status.HTTP_409_CONFLICT,
    )


def _step(summary, request_serializer, examples=()):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: DisputeSerializer, 409: StepRefusedSerializer},
        examples=[*examples, STEP_REFUSED_EXAMPLE],
    )


@extend_schema_view(
    list=extend_schema(summary="Mediators serving your areas (people's mediators, legal advisers, police)"),
    retrieve=extend_schema(summary="One mediator"),
    create=extend_schema(
        summary="Register a mediator (community, street or centre staff)", request=MediatorCreateSerializer
    ),
)
class MediatorViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Mediator.objects.all()
    serializer_class = MediatorSerializer

    def get_serializer_class(self):
        return MediatorCreateSerializer if self.action == "create" else MediatorSerializer

    def create(self, request, *args, **kwargs):
        data = MediatorCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediator = services.mediator_register(actor=request.user, **data.validated_data)
        return Response(MediatorSerializer(mediator).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Monthly screenings (常态化滚动排查) of your grids",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
    ),
    retrieve=extend_schema(summary="One screening"),
    create=extend_schema(
        summary="File a grid's screening for the month (“nothing found” included)",
        description="Due by the 25th of the month (Beijing time); grids that have not filed are warned "
        "by the "
        "sweep. Once per grid and month; this month's or last month's.",
        request=ScreeningCreateSerializer,
        responses={201: ScreeningSerializer},
        examples=SCREENING_EXAMPLES,
    ),
)
class ScreeningViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Screening.objects.prefetch_related("disputes")
    serializer_class = ScreeningSerializer

    def get_serializer_class(self):
        return ScreeningCreateSerializer if self.action == "create" else ScreeningSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        month = str(self.request.query_params.get("month") or "")
        if len(month) == 7 and month[:4].isdigit() and month[5:].isdigit() and 1 <= int(month[5:]) <= 12:
            qs = qs.filter(month=f"{month}-01")
        return qs

    def create(self, request, *args, **kwargs):
        data = ScreeningCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening = services.screening_file(actor=request.user, **data.validated_data)
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Disputes in your areas",
        parameters=[OpenApiParameter("status", str, enum=Status.values)],
    ),
    retrieve=extend_schema(summary="One dispute with its parties (masked), follow-ups and signatures"),
    create=extend_schema(
        summary="Record a dispute", request=DisputeCreateSerializer, examples=[DISPUTE_EXAMPLE]
    ),
)
class DisputeViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Dispute.objects.select_related("case").prefetch_related("parties", "follow_ups", "signatures")
    serializer_class = DisputeSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = super().get_queryset()
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted in Status.values else qs

    def get_serializer_class(self):
        return DisputeCreateSerializer if self.action == "create" else DisputeSerializer

    def create(self, request, *args, **kwargs):
        data = DisputeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        screening = v.pop("screening", None)
        if (
            screening is not None
            and not scoped(request.user, Screening.objects.filter(pk=screening.pk)).exists()
        ):
            raise ValidationError({"screening": ["No such screening."]})
        dispute = services.dispute_record(actor=request.user, screening=screening, **v)
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    def _act(self, request, serializer_class, fn, pk, **extra):
        self.get_object()  # 404 outside the scope
        data = serializer_class(data=request.data) if serializer_class else None
        if data is not None:
            data.is_valid(raise_exception=True)
        try:
            result = fn(
                actor=request.user, dispute_id=int(pk), **(dict(data.validated_data) if data else {}), **extra
            )
        except services.NotAllowedNow as exc:
            return _refused(exc)
        except Dispute.DoesNotExist as exc:
            raise NotFound() from exc
        return result

    def _dispute(self, pk):
        return Response(DisputeSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Record a case of the dispute category as a dispute (linked both ways)",
        request=FromCaseSerializer,
        responses={201: DisputeSerializer},
        examples=[FROM_CASE_EXAMPLE],
    )
    @action(detail=False, methods=["post"], url_path="from-case")
    def from_case(self, request):
        data = FromCaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        dispute = services.dispute_from_case(
            actor=request.user,
            case_id=v["case"],
            risk_level=v["risk_level"],
            risk_reason=v.get("risk_reason", ""),
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Add a party", request=PartyAddSerializer, responses={201: PartySerializer})
    @action(detail=True, methods=["post"])
    def parties(self, request, pk=None):
        data = PartyAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = self._act(request, None, services.party_add, pk, party=dict(data.validated_data))
        if isinstance(result, Response):
            return result
        return Response(PartySerializer(result).data, status=status.HTTP_201_CREATED)

    @_step("Start mediation with a mediator serving the grid", StartSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediator = scoped(request.user, Mediator.objects.filter(pk=data.validated_data["mediator"])).first()
        result = self._act(request, None, services.dispute_start, pk, mediator=mediator)
        return result if isinstance(result, Response) else self._dispute(pk)

    @extend_schema(
        summary="Record a mediation session (none for a finished dispute)",
        request=SessionCreateSerializer,
        responses={201: SessionSerializer, 409: StepRefusedSerializer},
        examples=[SESSION_EXAMPLE, STEP_REFUSED_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        result = self._act(request, SessionCreateSerializer, services.session_record, pk)
        if isinstance(result, Response):
            return result
        return Response(SessionSerializer(result).data, status=status.HTTP_201_CREATED)

    @_step(
        "Conclude the mediation: agreement, partial, failed or referred",
        ConcludeSerializer,
        CONCLUDE_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        result = self._act(request, ConcludeSerializer, services.dispute_conclude, pk)
        return result if isinstance(result, Response) else self._dispute(pk)

    @_step("Refer a failed mediation to the court, police or petition office", ReferSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        result = self._act(request, ReferSerializer, services.dispute_refer, pk)
        return result if isinstance(result, Response) else self._dispute(pk)

    @_step("Resume mediating after a partial agreement or a failure", DisputeReasonSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        result = self._act(request, DisputeReasonSerializer, services.dispute_resume, pk)
        return result if isinstance(result, Response) else self._dispute(pk)

    @extend_schema(
        summary="Record a party's signature on the agreement (photo or PDF of the signed page)",
        request={"multipart/form-data": SignatureCreateSerializer},
        responses={201: SignatureSerializer, 409: StepRefusedSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def signatures(self, request, pk=None):
        data = SignatureCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = self._act(
            request, None, services.signature_record, pk, party_id=v["party"], upload=v["file"]
        )
        if isinstance(result, Response):
            return result
        return Response(SignatureSerializer(result).data, status=status.HTTP_201_CREATED)

    @_step("Begin follow-up: every party has signed; visits are set at 7, 30 and 90 days", None)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        result = self._act(request, None, services.dispute_follow, pk)
        return result if isinstance(result, Response) else self._dispute(pk)

    @_step("Record the next follow-up visit", FollowUpVisitSerializer)
    @action(detail=True, methods=["post"])
    def visits(self, request, pk=None):
        result = self._act(request, FollowUpVisitSerializer, services.follow_up_visit, pk)
        return result if isinstance(result, Response) else self._dispute(pk)

    @_step("Settle: a follow-up visit found the agreement holding", DisputeReasonSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        data = DisputeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = self._act(
            request, None, services.dispute_settle, pk, note=data.validated_data.get("reason", "")
        )
        return result if isinstance(result, Response) else self._dispute(pk)

    @_step("Close an open (withdrawn), failed or referred dispute, with the reason", DisputeReasonSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = DisputeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = self._act(
            request, None, services.dispute_close, pk, reason=data.validated_data.get("reason", "")
        )
        return result if isinstance(result, Response) else self._dispute(pk)

    @extend_schema(summary="The agreement as a PDF (人民调解协议书)", responses={(200, PDF): bytes})
    @action(detail=True)
    def agreement(self, request, pk=None):
        dispute = self.get_object()
        if not dispute.agreement_text:
            raise NotFound()
        return pdf_response(dispute)


def pdf_response(dispute) -> HttpResponse:
    body = agreement_pdf(
        dispute,
        parties=list(dispute.parties.all()),
        sessions=list(dispute.sessions.prefetch_related("mediators")),
        signatures=list(dispute.signatures.all()),
    )
    response = HttpResponse(body, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="agreement-{dispute.pk}.pdf"'
    return response


@extend_schema_view(
    list=extend_schema(summary="Mediation sessions", parameters=[OpenApiParameter("dispute", int)]),
    retrieve=extend_schema(summary="One session"),
)
class SessionViewSet(ScopedReadOnlyViewSet):
    queryset = Session.objects.prefetch_related("mediators", "present")
    serializer_class = SessionSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("dispute"))
        return qs.filter(dispute_id=chosen) if chosen is not None else qs


@extend_schema_view(
    list=extend_schema(
        summary="The mediation's hash-chained trail", parameters=[OpenApiParameter("dispute", int)]
    ),
    retrieve=extend_schema(summary="One event"),
)
class DisputeEventViewSet(ScopedReadOnlyViewSet):
    queryset = DisputeEvent.objects.all()
    serializer_class = DisputeEventSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        chosen = _id(self.request.query_params.get("dispute"))
        return qs.filter(dispute_id=chosen) if chosen is not None else qs


ROUTES = [
    ("mediation/mediators", MediatorViewSet, "mediator"),
    ("mediation/screenings", ScreeningViewSet, "screening"),
    ("mediation/disputes", DisputeViewSet, "dispute"),
    ("mediation/sessions", SessionViewSet, "mediation-session"),
    ("mediation/events", DisputeEventViewSet, "dispute-event"),
]

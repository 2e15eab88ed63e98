"""Cases over HTTP: list / detail / create, one POST per action, timeline, attachments, categories."""

import functools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from gridgov.api import (
    ConflictSerializer,
    ErrorSerializer,
    ScopedGenericViewSet,
    ScopedReadOnlyViewSet,
    conflict,
)
from grids.models import User

from . import api_examples as ex
from . import extensions, services, uploads
from .api_actions import ACTIONS, BY_TRANSITION
from .duplicates import possible_duplicates
from .filters import CaseFilter
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import idempotent
from .models import CannedReply, Case, Category
from .selectors import canned_replies_for, case_timeline_for, unit_members
from .serializers import (
    AssignSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CannedReplySerializer,
    CaseCreatedSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseListSerializer,
    CategorySerializer,
    CorrectAreaSerializer,
    DuplicateQuerySerializer,
    DuplicateSerializer,
    NoteSerializer,
    UnitMemberSerializer,
)
from .transitions import actions_for


class CaseCursorPagination(pagination.CursorPagination):
    """Keyset pagination on the primary key: page 10,000 costs what page 1 costs."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        page = "https://gridgov.example.org/api/v1/cases/?cursor="
        response["properties"]["next"]["example"] = page + "cD0yMzE4"
        response["properties"]["previous"]["example"] = page + "cj0xJnA9MjMxOQ%3D%3D"
        return response


def _action_names(transitions):
    names = []
    for t in transitions:
        action_name = BY_TRANSITION[t].name if t in BY_TRANSITION else t
        if action_name not in names:
            names.append(action_name)
    return names


def run_case_action(view, request, pk, call, data):
    """Call a service for the case ``pk`` and answer as the API promises: 404 / 403 / 409 / 400 / 200."""
    case = view.get_object()  # 404 when out of scope
    try:
        call(case_id=case.pk, actor=request.user, **data)
    except services.StaleVersion as exc:
        changes = list(
            exc.case.events.filter(seq__gt=0)
            .order_by("-seq")[: max(1, exc.case.version - exc.seen_version)]
            .values("seq", "kind", "created_at", "to_status")
        )
        return conflict(exc, current_version=exc.case.version, changes=changes)
    except services.ActionNotAllowed as exc:
        return conflict(exc, allowed_actions=_action_names(exc.allowed))
    except ConcurrentTransition:
        return conflict(_("Someone else changed this case at the same moment. Reload and try again."))
    # Read afresh (not refresh_from_db: the protected status field refuses it when a concurrent step
    # changed the row meanwhile); the actor may have sent it out of their scope, so unscoped.
    case = Case.objects.select_related("handling_area").get(pk=case.pk)
    return Response(CaseDetailSerializer(case, context={"request": request}).data)


def _make_action(case_action):
    @idempotent
    def handler(self, request, pk=None):
        serializer = case_action.serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Photos sent in pieces (issue 23), with those sent whole.
        data, ids = uploads.action_arguments(serializer.validated_data, owner=request.user)
        response = run_case_action(self, request, pk, case_action.call, data)
        if ids and response.status_code == 200:
            uploads.uploads_used(ids=ids, case_id=response.data["id"])
        return response

    # DRF maps the HTTP method to the function's name when @action runs: name it first.
    handler.__name__ = _action_attr(case_action)
    handler = action(
        detail=True,
        methods=["post"],
        url_path=case_action.name,
        url_name=case_action.name,
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )(handler)
    return extend_schema(
        request=case_action.serializer,
        responses=_answers(CaseDetailSerializer, ex.DETAIL),
        examples=ex.action_request(case_action.name, str(case_action.label)),
        summary=str(case_action.label),
        description=f"Runs the `{case_action.name}` step of the case workflow. With an Idempotency-Key a "
        "retry returns the first answer and runs nothing twice.",
        parameters=[IDEMPOTENCY_KEY],
    )(handler)


def _answers(ok, example, status_code=200) -> dict:
    """What a POST on one case answers: the case (or what it made), or why not."""
    return {
        status_code: OpenApiResponse(ok, examples=[example]),
        400: OpenApiResponse(ErrorSerializer, "invalid input, per field", examples=[ex.INVALID]),
        403: OpenApiResponse(ErrorSerializer, "in scope but not yours to do", examples=[ex.NOT_YOURS]),
        404: OpenApiResponse(ErrorSerializer, "no such case in your scope", examples=[ex.NOT_FOUND]),
        409: OpenApiResponse(
            ConflictSerializer,
            "stale version, concurrent change, or not allowed now",
            examples=[ex.STALE, ex.NOT_NOW, ex.SAME_MOMENT],
        ),
    }


def _action_attr(case_action):
    return "action_" + case_action.name.replace("-", "_")


@functools.cache
def _list_columns() -> tuple:
    """CaseListSerializer's columns as ``only()`` names them (``category.code`` → ``category__code``)."""
    fields = CaseListSerializer().fields.values()
    # A method field (source "*", e.g. the badges) reads no column of its own.
    return tuple(field.source.replace(".", "__") for field in fields if field.source != "*")


@extend_schema_view(
    list=extend_schema(responses=OpenApiResponse(CaseListSerializer(many=True), examples=ex.ROWS)),
    retrieve=extend_schema(
        responses={
            200: OpenApiResponse(CaseDetailSerializer, examples=[ex.DETAIL]),
            404: OpenApiResponse(ErrorSerializer, examples=[ex.NOT_FOUND]),
        }
    ),
)
class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Cases in your scope. Create with an ``Idempotency-Key`` header so a retry never makes a second case."""

    queryset = Case.objects.select_related("category", "area", "handling_department")
    filterset_class = CaseFilter
    pagination_class = CaseCursorPagination
    ordering_fields = ["id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer if self.action == "retrieve" else CaseListSerializer

    def get_serializer(self, *args, **kwargs):
        """A page's (or one case's) rows come with the badges the apps above put on them, computed for the
        whole page at once so the queries do not grow with its length."""
        if args and self.action in ("list", "retrieve"):
            rows = list(args[0]) if kwargs.get("many") else [args[0]]
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["badges"] = extensions.extra_row_badges(rows, self.request.user)
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.select_related("handling_area").prefetch_related("attachments", "category__limits")
        elif self.action == "list":
            # A page reads only what a row shows: a third of the columns of three tables, not all of them.
            qs = qs.only(*_list_columns())
        return qs

    @extend_schema(
        request=CaseCreateSerializer,
        responses={
            201: OpenApiResponse(CaseCreatedSerializer, "the new case", examples=[ex.CREATED]),
            200: OpenApiResponse(
                CaseCreatedSerializer, "a retry: the case the first request made", examples=[ex.CREATED]
            ),
            400: OpenApiResponse(ErrorSerializer, "invalid input, per field", examples=[ex.INVALID]),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Any unique string per intended case; a retry returns the first case (200).",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = request.headers.get("Idempotency-Key", "")[:128]
        upload_ids = {name: data.pop(name) for name in ("photo_uploads", "after_photo_uploads")}
        photos, after_photos = data.pop("photos"), data.pop("after_photos")
        for name, files in (("photo_uploads", photos), ("after_photo_uploads", after_photos)):
            ids = upload_ids[name]
            files += uploads.uploads_as_files(owner=request.user, ids=ids, field=name, idempotency_key=key)
        source = data["source"]
        if data["self_handled_result"]:
            source = "self_handled"
        result = services.case_report(
            actor=request.user,
            idempotency_key=key,
            before_photos=photos,
            after_photos=after_photos,
            **{**data, "source": source},
        )
        uploads.uploads_used(
            ids=[*upload_ids["photo_uploads"], *upload_ids["after_photo_uploads"]], case_id=result.case.pk
        )
        body = CaseCreatedSerializer(result.case, context={"request": request}).data
        return Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            headers={"Location": f"{request.path}{result.case.pk}/"},
        )

    @extend_schema(responses=OpenApiResponse(CaseEventSerializer(many=True), examples=[ex.TIMELINE]))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        case = self.get_object()
        events = case_timeline_for(case, request.user)  # internal notes only for those who read them
        return Response(CaseEventSerializer(events, many=True, context={"request": request}).data)

    @extend_schema(
        responses=OpenApiResponse(
            {"type": "object", "properties": {"actions": {"type": "array", "items": {"type": "string"}}}},
            examples=[ex.ACTIONS_NOW],
        )
    )
    @action(detail=True, methods=["get"], url_path="actions")
    def available_actions(self, request, pk=None):
        return Response({"actions": actions_for(self.get_object(), request.user)})

    @extend_schema(
        request=AttachmentUploadSerializer,
        responses=_answers(AttachmentSerializer(many=True), ex.UPLOADED, status_code=201),
        examples=[ex.ATTACH_UPLOADS],
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        pagination_class=None,
    )
    def attachments(self, request, pk=None):
        case = self.get_object()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        files = data["files"] + uploads.uploads_as_files(
            owner=request.user, ids=data["uploads"], field="uploads"
        )
        try:
            attached = services.case_attach(
                case_id=case.pk,
                actor=request.user,
                files=files,
                kind=data["kind"],
                version=data.get("version"),
            )
        except services.StaleVersion as exc:
            return conflict(exc, current_version=exc.case.version)
        uploads.uploads_used(ids=data["uploads"], case_id=case.pk)
        return Response(
            AttachmentSerializer(attached, many=True, context={"request": request}).data, status=201
        )

    @extend_schema(
        parameters=[DuplicateQuerySerializer],
        responses=OpenApiResponse(DuplicateSerializer(many=True), examples=[ex.DUPLICATES]),
        summary="Possible duplicates of a case being reported",
        description="Open cases of the category within its radius (default 50 m) and time window, "
        "nearest first.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def duplicates(self, request):
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = possible_duplicates(
            request.user,
            query.validated_data["category"],
            query.validated_data["lat"],
            query.validated_data["lon"],
            exclude=query.validated_data.get("exclude"),
        )
        return Response(DuplicateSerializer(found, many=True).data)

    @extend_schema(
        request=CorrectAreaSerializer,
        responses=_answers(CaseDetailSerializer, ex.DETAIL),
        examples=ex.action_request("correct-area"),
    )
    @action(detail=True, methods=["post"], url_path="correct-area")
    def correct_area(self, request, pk=None):
        serializer = CorrectAreaSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return run_case_action(self, request, pk, services.case_correct_area, dict(serializer.validated_data))

    @extend_schema(
        request=NoteSerializer,
        responses=_answers(CaseEventSerializer, ex.TIMELINE, status_code=201),
        examples=ex.action_request("note"),
        summary="Add a progress note (internal, or public for the reporter)",
    )
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        case = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.case_note(case_id=case.pk, actor=request.user, **serializer.validated_data)
        return Response(CaseEventSerializer(event, context={"request": request}).data, status=201)

    @extend_schema(
        request=AssignSerializer,
        responses=_answers(CaseDetailSerializer, ex.DETAIL),
        examples=ex.action_request("assign"),
        summary="Name the case's handler (签收人) inside the handling unit, or clear it",
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        assignee_id = data.pop("assignee")
        assignee = None
        if assignee_id is not None:
            # An unknown id and someone outside the unit get the same answer: no user ids are probed here.
            assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": [_("Name someone of the unit handling this case.")]})
        return run_case_action(self, request, pk, services.case_assign, {**data, "assignee": assignee})

    @extend_schema(
        responses=OpenApiResponse(UnitMemberSerializer(many=True), examples=[ex.HANDLERS]),
        summary="Who may be named the case's handler",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def handlers(self, request, pk=None):
        return Response(UnitMemberSerializer(unit_members(self.get_object()), many=True).data)


for _case_action in ACTIONS:
    setattr(CaseViewSet, _action_attr(_case_action), _make_action(_case_action))


@extend_schema_view(
    list=extend_schema(
        responses=OpenApiResponse(CategorySerializer(many=True), examples=[ex.CATEGORY_EXAMPLE])
    ),
    retrieve=extend_schema(responses=OpenApiResponse(CategorySerializer, examples=[ex.CATEGORY_EXAMPLE])),
)
class CategoryViewSet(ScopedReadOnlyViewSet):
    """The category catalogue (major and minor classes), with extra fields and time limits."""

    queryset = Category.objects.select_related("parent").prefetch_related("limits")
    serializer_class = CategorySerializer
    filterset_fields = ["is_active", "default_level", "auto_dispatch"]
    search_fields = ["code", "name"]
    lookup_field = "code"
    pagination_class = None


class CannedReplyViewSet(ScopedReadOnlyViewSet):
    """Canned progress notes (常用回复) per category; ``?category=<code>`` gives a minor category's own and
    its major class's. Kept by the staff in the admin."""

    queryset = CannedReply.objects.filter(is_active=True).select_related("category")
    serializer_class = CannedReplySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        code = self.request.query_params.get("category")
        if code:
            category = Category.objects.filter(code=code).first()
            qs = canned_replies_for(category) if category else CannedReply.objects.none()
            return qs.select_related("category")
        return super().get_queryset()

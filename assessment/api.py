"""The assessment over the API: the report's figures, the cases behind a number, published reports, stars.

``GET /api/v1/assessment/report/`` takes the page's arguments (month or start/end, as_of, level, area,
department, category) and returns the same JSON the page renders and a published report keeps.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.response import Response

from gridgov.api import ScopedGenericViewSet, ScopedReadOnlyViewSet
from grids.models import Area, Level
from grids.scope import reach, scoped

from . import serializers as s
from . import services
from .figures import PARTS
from .models import CaseRecord, ReportSnapshot, StarAward
from .report import report
from .selectors import drill_down, report_params

REPORT_PARAMETERS = [
    OpenApiParameter("month", str, description="YYYY-MM (default: last month)"),
    OpenApiParameter("start", str, description="YYYY-MM-DD, with end instead of month"),
    OpenApiParameter("end", str, description="YYYY-MM-DD, exclusive"),
    OpenApiParameter("as_of", str, description="ISO date-time (default: now)"),
    OpenApiParameter("level", str, enum=["district", "street", "community", "grid"]),
    OpenApiParameter("area", str, description="area code inside your scope"),
    OpenApiParameter("department", int),
    OpenApiParameter("category", str, description="major or minor category code"),
]
EXAMPLE = {
    "params": {"start": "2026-03-01T00:00:00+08:00", "end": "2026-04-01T00:00:00+08:00", "level": "street"},
    "total": {
        "key": "",
        "figures": {"closure_rate": {"value": 93.72, "num": 911, "den": 972}},
        "score": 88.1,
        "grade": "B",
    },
    "areas": {
        "street": [
            {"key": "430104001", "name": "街道1", "figures": {}, "score": 88.1, "grade": "B", "rank": 1}
        ]
    },
    "units": [],
    "workers": [],
    "categories": [],
    "hotline_types": [],
    "trend": [],
}


def _params(request):
    try:
        return report_params(request.user, request.query_params)
    except ValidationError as error:
        raise exceptions.ValidationError(error.message_dict) from error


def _require_reach(user):
    r = reach(user)
    if not (r.is_superuser or r.codes() or r.department_ids):
        raise Http404


class ReportViewSet(ScopedGenericViewSet):
    """The figures of docs/domain.md §5 for the caller's scope."""

    queryset = CaseRecord.objects.all()
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=REPORT_PARAMETERS,
        responses={200: dict},
        examples=[OpenApiExample("A month's report", value=EXAMPLE, response_only=True)],
    )
    def list(self, request):
        _require_reach(request.user)
        return Response(report(request.user, _params(request)))


class DrillViewSet(ScopedGenericViewSet):
    """The cases behind one number: ``?part=closed&group=street&key=430104001`` plus the report's
    arguments."""

    queryset = CaseRecord.objects.all()
    serializer_class = s.DrillRowSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            *REPORT_PARAMETERS,
            OpenApiParameter("part", str, required=True),
            OpenApiParameter("group", str),
            OpenApiParameter("key", str),
        ],
        responses=s.DrillRowSerializer(many=True),
    )
    def list(self, request):
        _require_reach(request.user)
        params = _params(request)
        part = request.query_params.get("part", "")
        if part not in PARTS or PARTS[part].model != "record":
            raise exceptions.ValidationError({"part": [_("Unknown part.")]})
        qs = drill_down(
            request.user,
            params,
            part,
            request.query_params.get("group", ""),
            request.query_params.get("key", ""),
        )
        page = self.paginate_queryset(qs)
        rows = [
            {"case": r.case_id, "number": r.case.number, "title": r.case.title, "status": r.case.status}
            for r in page
        ]
        return self.get_paginated_response(rows)


class SnapshotViewSet(ScopedReadOnlyViewSet):
    """Published reports (immutable) of areas inside the caller's subtrees."""

    queryset = ReportSnapshot.objects.all()
    filterset_fields = ["scope_code", "kind"]

    def get_serializer_class(self):
        return s.SnapshotListSerializer if self.action == "list" else s.SnapshotSerializer

    def get_queryset(self):
        qs = ReportSnapshot.objects.all()
        return qs.defer("data") if self.action == "list" else qs


class StarAwardViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Five-star grid awards; POST awards or withholds one star (district centre, street staff)."""

    queryset = StarAward.objects.all()
    serializer_class = s.StarAwardSerializer
    filterset_fields = ["grid", "period_month", "star"]

    @extend_schema(
        request=s.StarAwardInputSerializer,
        responses={201: s.StarAwardSerializer},
        examples=[
            OpenApiExample(
                "Award",
                value={
                    "grid": 12,
                    "month": "2026-03",
                    "star": "security",
                    "awarded": True,
                    "note": "全年无重大警情",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = s.StarAwardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        grid = scoped(request.user, Area.objects.filter(pk=v["grid"], level=Level.GRID)).first()
        if grid is None or not (reach(request.user).is_superuser or reach(request.user).covers(grid.code)):
            raise exceptions.ValidationError({"grid": [_("No such grid in your areas.")]})
        year, mon = v["month"].split("-")
        award = services.star_award(
            actor=request.user,
            grid=grid,
            month=int(year) * 100 + int(mon),
            star=v["star"],
            awarded=v["awarded"],
            note=v["note"],
        )
        return Response(s.StarAwardSerializer(award).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("assessment/report", ReportViewSet, "assessment-report"),
    ("assessment/cases", DrillViewSet, "assessment-cases"),
    ("assessment/published", SnapshotViewSet, "assessment-published"),
    ("assessment/stars", StarAwardViewSet, "assessment-star"),
]

"""API routes of this app: (prefix, viewset, basename), registered on /api/v1/ by gridgov/api_urls.py."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from gridgov.api import ScopedReadOnlyViewSet

from . import selectors, services
from .models import Notice
from .serializers import NoticeCreateSerializer, NoticeReceiptSummarySerializer, NoticeSerializer


@extend_schema_view(
    list=extend_schema(summary="Notices (通知公告) the caller sent, oversees or is addressed by"),
    retrieve=extend_schema(summary="One notice"),
    create=extend_schema(summary="Publish a notice from the caller's unit", request=NoticeCreateSerializer),
)
class NoticeViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Notice.objects.select_related("sender", "sending_unit", "area")
    serializer_class = NoticeSerializer

    def get_serializer_class(self):
        return NoticeCreateSerializer if self.action == "create" else NoticeSerializer

    def create(self, request, *args, **kwargs):
        data = NoticeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_publish(sender=request.user, **data.validated_data)
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark the notice read (idempotent)", request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = self.get_object()
        services.notice_read(notice=notice, user=request.user)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(summary="Withdraw the notice (its sending unit)", request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        notice = services.notice_withdraw(notice_id=self.get_object().pk, actor=request.user)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(
        summary="Who of the addressed people has read the notice", responses=NoticeReceiptSummarySerializer
    )
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        return Response(NoticeReceiptSummarySerializer(selectors.receipt_summary(self.get_object())).data)


ROUTES = [("notices", NoticeViewSet, "notice")]

"""Photos in pieces over HTTP (issue 23, ``cases.uploads``), in the manner of tus:

- ``POST /api/v1/uploads/`` ``{"size", "sha256", "name"}`` → 201, the upload at offset 0;
- ``GET /api/v1/uploads/<id>/`` → how far the server got (``offset``), to resume after a dropped line;
- ``PATCH /api/v1/uploads/<id>/`` with ``Upload-Offset: N`` and the piece as ``application/octet-stream``
  → the new offset; the last piece answers ``finished: true`` or refuses the file (it starts again at 0).
  A piece at the wrong offset answers 409 with the server's ``offset``.

A report then sends ``photo_uploads=<id>`` instead of a file."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.api import ErrorSerializer
from gridgov.scope import scoped

from . import uploads
from .models import PhotoUpload


class PieceParser(BaseParser):
    """The raw bytes of one piece (at most one more than allowed, so that an oversize piece is refused)."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(uploads.PIECE_MAX_BYTES + 1) if stream else b""


class UploadBeginSerializer(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, help_text="Bytes of the whole file.")
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the whole file, hex.")
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class UploadStateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    size = serializers.IntegerField()
    offset = serializers.IntegerField(source="received", help_text="Bytes the server has; send from here.")
    finished = serializers.SerializerMethodField()

    def get_finished(self, upload) -> bool:
        return upload.finished_at is not None


class OffsetConflictSerializer(ErrorSerializer):
    offset = serializers.IntegerField()


def _state(upload, code=status.HTTP_200_OK) -> Response:
    return Response(UploadStateSerializer(upload).data, status=code)


class UploadListView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        request=UploadBeginSerializer,
        responses={201: UploadStateSerializer, 400: ErrorSerializer},
        summary="Begin a photo upload in pieces",
    )
    def post(self, request):
        serializer = UploadBeginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = uploads.upload_begin(
            owner=request.user, size=data["size"], sha256=data["sha256"].lower(), name=data["name"]
        )
        return _state(upload, status.HTTP_201_CREATED)


class UploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [PieceParser]

    def _mine(self, request, upload_id):
        return get_object_or_404(scoped(request.user, PhotoUpload.objects.all()), pk=upload_id)

    @extend_schema(
        responses={200: UploadStateSerializer, 404: ErrorSerializer}, summary="How far an upload got"
    )
    def get(self, request, upload_id):
        return _state(self._mine(request, upload_id))

    @extend_schema(
        request={"application/octet-stream": {"type": "string", "format": "binary"}},
        parameters=[OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True)],
        responses={
            200: UploadStateSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            409: OpenApiResponse(OffsetConflictSerializer, "not at the server's offset: resume from it"),
        },
        summary="Send one piece of an upload",
    )
    def patch(self, request, upload_id):
        upload = self._mine(request, upload_id)
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError:
            offset = -1
        if offset < 0:
            raise serializers.ValidationError({"Upload-Offset": [_("Give the piece's byte offset.")]})
        data = request.data if isinstance(request.data, bytes) else b""
        try:
            upload = uploads.upload_piece(upload_id=upload.pk, owner=request.user, offset=offset, data=data)
        except uploads.OffsetMismatch as exc:
            body = {"code": "offset", "message": _("Resume from the server's offset."), "fields": {}}
            return Response({**body, "offset": exc.received}, status=status.HTTP_409_CONFLICT)
        return _state(upload)

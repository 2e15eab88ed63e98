"""Cross-cutting API pieces: the error shape, pagination and the scoped viewset base classes."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .scope import scoped


def _as_messages(detail):
    if isinstance(detail, dict):
        return {key: _as_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            flat.extend(_as_messages(item) if isinstance(item, list) else [_as_messages(item)])
        return flat
    return str(detail)


def _flat_fields(messages):
    """Messages per field name, as the document promises: a nested serializer's under dotted names
    (``{"a": {"b": [...]}}`` -> ``{"a.b": [...]}``), a list's items' under the list's name (DRF's
    ``{"photos": {"0": [...]}}`` -> ``{"photos": [...]}``)."""
    flat = {}

    def add(name, value):
        if isinstance(value, dict):
            for key, child in value.items():
                add(name if str(key).isdigit() else f"{name}.{key}", child)
        elif isinstance(value, list):
            for item in value:
                add(name, item)
        elif str(value) not in flat.setdefault(name, []):
            flat[name].append(str(value))

    for key, value in messages.items():
        add(key, value)
    return flat


def exception_handler(exc, context):
    """Every error is JSON: ``{"code", "message", "fields"}`` with messages per field for 400s."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    body = {"code": getattr(exc, "default_code", "error"), "message": "", "fields": {}}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        messages = _as_messages(detail)
        if isinstance(messages, dict):
            body["fields"] = {k: v for k, v in _flat_fields(messages).items() if k != "non_field_errors"}
            general = messages.get("non_field_errors", [])
        else:
            general = messages
        body["message"] = "; ".join(general) if general else str(exceptions.ValidationError.default_detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(codes, str):
            body["code"] = codes
        body["message"] = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        if isinstance(detail, dict):
            body.update({k: v for k, v in detail.items() if k != "detail"})
    response.data = body
    return response


class ScopedViewSetMixin:
    """Every queryset this viewset serves passes through ``gridgov.scope.scoped`` for the request's user.

    Subclasses may define ``queryset`` or override ``get_queryset`` for prefetching; either way the
    result is scoped, because ``__init_subclass__`` wraps any ``get_queryset`` a subclass defines.
    Objects out of scope are simply absent, so detail routes answer 404.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_queryset")
        if own is not None and not getattr(own, "_gridgov_scoped", False):

            def get_queryset(self, _own=own):
                # The subclass's own method may start from ``super().get_queryset()``: that one is
                # not scoped a second time (scoping twice repeats the scope's queries), this one is.
                self._gridgov_inside = getattr(self, "_gridgov_inside", 0) + 1
                try:
                    queryset = _own(self)
                finally:
                    self._gridgov_inside -= 1
                return scoped(self.request.user, queryset)

            get_queryset._gridgov_scoped = True
            cls.get_queryset = get_queryset

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if getattr(self, "_gridgov_inside", 0) else scoped(self.request.user, queryset)

    get_queryset._gridgov_scoped = True


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer, for the API's schema (``exception_handler`` builds it)."""

    code = serializers.CharField(
        help_text="invalid, not_authenticated, permission_denied, not_found, conflict, throttled…"
    )
    message = serializers.CharField(help_text="In the language of the request (Chinese by default).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field (400 only; else empty).",
    )


class ConflictSerializer(ErrorSerializer):
    """A 409: what changed since the version you sent, or which actions the case allows now."""

    current_version = serializers.IntegerField(required=False)
    changes = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="The events since your version, newest first.",
    )
    allowed_actions = serializers.ListField(child=serializers.CharField(), required=False)


def conflict(message, **extra):
    return Response({"code": "conflict", "message": str(message), "fields": {}, **extra}, status=409)

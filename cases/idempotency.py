"""One step, acted once (issue 23): the ``Idempotency-Key`` header on the API's POSTs.

A phone that lost its answer sends the same step again with the same key. The first request that
succeeds writes the key, with a fingerprint of what it asked and what it was answered, in the same
transaction as the step itself; a retry with that key gets the first answer back and acts on nothing.
The same key with a different request is refused (400). A refused step (400, 403, 404, 409) keeps no
key: nothing acted, so the phone may redo it with the same key or a new one.

Two requests with the same key at the same moment: the unique (user, key) row lets one commit; the
other's transaction, step included, rolls back, and it answers as a retry. A case report keeps its key
in ``cases.services.case_report`` (the report page uses it too), in the same table: one key names one
step whatever endpoint it goes to.
"""

import functools
import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per intended step; a retry with it returns the first answer and "
    "acts on nothing.",
)


def idempotent(view):
    """Wrap a DRF view method so that a request with an ``Idempotency-Key`` acts at most once."""

    @functools.wraps(view)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(self, request, *args, **kwargs)
        if len(key) > 128:
            raise ValidationError({"idempotency_key": _("The Idempotency-Key is limited to 128 characters.")})
        fingerprint = _fingerprint(request)
        first = _replay(request.user, key, fingerprint)
        if first is not None:
            return first
        try:
            with transaction.atomic():
                response = view(self, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        fingerprint=fingerprint,
                        request=f"{request.method} {request.path}"[:200],
                        status_code=response.status_code,
                        response=response.data,
                    )
        except IntegrityError:
            first = _replay(request.user, key, fingerprint)  # a concurrent twin committed first
            if first is None:
                raise
            return first
        return response

    return wrapper


def _replay(user, key, fingerprint):
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint or row.status_code is None:
        raise ValidationError(
            {"idempotency_key": _("This Idempotency-Key was used for a different request.")}
        )
    return Response(row.response, status=row.status_code, headers={"Idempotent-Replay": "true"})


def _fingerprint(request) -> str:
    """What the request asks: its method, path and body (an uploaded file by its name and size)."""
    data = request.data
    if hasattr(data, "lists"):
        body = sorted((k, [_value(v) for v in values]) for k, values in data.lists())
    else:
        body = data
    what = {"method": request.method, "path": request.path, "body": body}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def _value(value):
    return [value.name, value.size] if isinstance(value, UploadedFile) else value

"""One place that refuses NUL (U+0000) in every text a request brings, with a 400 that names the field.

PostgreSQL cannot store NUL in a text column nor compare one in a query ("A string literal cannot contain NUL
(0x00) characters"), so a NUL that reaches the ORM is a server error on PostgreSQL and a silently stored
control character on SQLite. No field of ours has a use for it, so it is refused before any view runs, for
every kind of input alike: the URL path, query parameters, form fields (keys and values), upload field
names, JSON bodies (keys and values, at any depth) and request headers (cookies, API keys, tokens).

The answer speaks each surface's error language: the API's ``{"code", "message", "fields"}`` (built by
``gridgov.api.exception_handler``), GeoReport v2's list of ``{code, description}`` in the resource's format,
and a 400 page for everything else.
"""

import io
import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from .api import exception_handler

NUL = "\x00"
# A JSON text can carry NUL only as this escape (a raw control character is invalid JSON, which the
# parsers refuse themselves), so a body without it is not parsed twice.
JSON_NUL = b"\\u0000"


def nul_fields(request) -> list[str]:
    """The names of the inputs of ``request`` that contain NUL, in the order they were found."""
    found = []
    if NUL in request.path_info:
        found.append("path")
    for name, value in request.META.items():
        if name.startswith("HTTP_") and NUL in str(value):
            found.append(name[5:].replace("_", "-").title())
    found.extend(_in_querydict(request.GET))
    found.extend(_in_body(request))
    return found


def _in_querydict(data) -> list[str]:
    found = []
    for key, values in data.lists():
        if NUL in key or any(NUL in str(value) for value in values):
            found.append(key)
    return found


def _in_files(files) -> list[str]:
    # Only the field names: Django's multipart parser drops unprintable characters from file names.
    return [key for key in files if NUL in key]


def _in_json(value, path: str) -> list[str]:
    if isinstance(value, str):
        return [path] if NUL in value else []
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            found.extend([where] if NUL in str(key) else _in_json(child, where))
    elif isinstance(value, list):
        # An item is named by its list, as the API names a list item's errors (gridgov.api).
        for child in value:
            found.extend(name for name in _in_json(child, path) if name not in found)
    return found


def _in_body(request) -> list[str]:
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        # Django parses these itself for POST (and DRF reuses the result), so reading them here costs nothing.
        return _in_querydict(request.POST) + _in_files(request.FILES)
    if request.method in ("GET", "HEAD", "OPTIONS") and not request.META.get("CONTENT_LENGTH"):
        return []
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if JSON_NUL not in body:
            return []
        try:
            return [name or "body" for name in _in_json(json.loads(body), "")]  # "body": a bare list
        except ValueError:
            return []  # not JSON: the view's parser answers 400 for that
    if content_type == "application/x-www-form-urlencoded":
        return _in_querydict(QueryDict(request.body, encoding=request.encoding))
    if content_type == "multipart/form-data":
        # PUT and PATCH: Django leaves these to the view (DRF parses them from the body kept here).
        try:
            data, files = MultiPartParser(
                request.META, io.BytesIO(request.body), request.upload_handlers, request.encoding
            ).parse()
        except MultiPartParserError:
            return []
        return _in_querydict(data) + _in_files(files)
    return []


# Surfaces with an error language of their own, by path prefix: an app whose URLs answer in another format
# (Open311's GeoReport errors) registers its refusal from its AppConfig.ready, so this module imports no app.
REFUSALS: dict[str, Callable[[HttpRequest, list[str], str], HttpResponse]] = {}


def refusal_register(prefix: str, refuse: Callable[[HttpRequest, list[str], str], HttpResponse]) -> None:
    REFUSALS[prefix] = refuse


def _api_refusal(request, fields: list[str], message: str) -> HttpResponse:
    answer = exception_handler(ValidationError({field: [message] for field in fields}), {})
    return JsonResponse(answer.data, status=400, json_dumps_params={"ensure_ascii": False})


refusal_register("/api/", _api_refusal)


def refusal(request, fields: list[str]) -> HttpResponse:
    message = _("This field may not contain the NUL character (\\u0000).")
    for prefix, refuse in REFUSALS.items():
        if request.path_info.startswith(prefix):
            return refuse(request, fields, message)
    # Rendered without the request: its session cookie or user may be what carried the NUL.
    page = render_to_string("gridgov/bad_input.html", {"fields": fields, "message": message})
    return HttpResponse(page, status=400)


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = nul_fields(request)
        if fields:
            return refusal(request, fields)
        return self.get_response(request)

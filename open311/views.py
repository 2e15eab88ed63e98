"""The GeoReport v2 resources: plain views that parse, call a selector or service, and render.

Every resource answers in JSON or XML by its suffix (``services.json``, ``requests/abc.xml``), every error
is the specification's list of ``{code, description}`` with 400, 403 or 404 (429 when a key posts too
fast), and reads need no key.
"""

import functools

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridgov.lockout import key_failed, key_locked
from gridgov.stored_files import stored_file_response
from intake.authentication import key_from_request
from intake.keys import integration_for_key

from . import params, selectors
from .conf import setting
from .models import MediaFetch
from .render import Open311Error, error_response, respond
from .services import request_submit
from .throttle import rate_limited
from .tokens import public_id_for, token_for

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
IDEMPOTENCY_KEY_LIMIT = 128


def resource(*methods):
    """Method check, jurisdiction check, and every ``Open311Error`` rendered in the request's format."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request, *args, fmt="xml", **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405, _("Method %(method)s is not allowed here.") % {"method": request.method}
                    )
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                response = error_response(error, fmt)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response

        return wrapped

    return decorate


def index(request):
    """The human page of the endpoint (the specification recommends an HTML discovery at the root)."""
    services = [
        {
            "code": c.code,
            "name": c.name,
            "group": c.parent.name,
            "attributes": selectors.service_definition(c)["attributes"],
        }
        for c in selectors.offered_categories()
    ]
    return render(
        request,
        "open311/index.html",
        {
            "base_url": request.build_absolute_uri(reverse("open311:root")),
            "jurisdiction": setting("OPEN311_JURISDICTION"),
            "key_service": setting("OPEN311_KEY_SERVICE"),
            "contact": setting("OPEN311_CONTACT"),
            "services": services,
        },
    )


@resource("GET")
def discovery(request, fmt):
    changeset = setting("OPEN311_CHANGESET")
    return respond(
        {
            "changeset": changeset,
            "contact": setting("OPEN311_CONTACT"),
            "key_service": setting("OPEN311_KEY_SERVICE"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
                    "changeset": changeset,
                    "type": setting("OPEN311_ENDPOINT_TYPE"),
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        fmt,
        root="discovery",
    )


@resource("GET")
def services(request, fmt):
    params.check_jurisdiction(request.GET)
    return respond(selectors.service_list(), fmt, root="services")


@resource("GET")
def service_definition(request, service_code, fmt):
    params.check_jurisdiction(request.GET)
    category = selectors.service_for_code(service_code)
    if category is None:
        raise Open311Error(404, _("service_code provided was not found: %(code)s") % {"code": service_code})
    return respond(selectors.service_definition(category), fmt, root="service_definition")


@resource("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    params.check_jurisdiction(request.GET)
    query = params.request_query(request.GET)
    cases = selectors.requests_find(
        ids=query.ids, codes=query.codes, start=query.start, end=query.end, statuses=query.statuses
    )
    return respond(selectors.request_rows(cases, request.build_absolute_uri), fmt, root="service_requests")


def _submit(request, fmt):
    key = params.value(request.POST, "api_key") or key_from_request(request)
    if not key:
        raise Open311Error(403, _("api_key was not provided."))
    if key_locked(request):
        raise Open311Error(429, _("Too many wrong keys from this address; try again later."))
    integration = integration_for_key(key, kinds=["open311"])
    if integration is None:
        key_failed(request, kind="open311 api_key")
        raise Open311Error(403, _("Invalid or revoked api_key: the request was not created."))
    params.check_jurisdiction(request.POST)
    if rate_limited(integration):
        raise Open311Error(429, _("Too many requests with this api_key; try again in a minute."))
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    if len(idempotency_key) > IDEMPOTENCY_KEY_LIMIT:
        raise Open311Error(400, _("The Idempotency-Key header is limited to 128 characters."))
    submitted = params.submitted_request(request.POST, request.FILES, selectors.service_for_code)
    try:
        case, created, fetches = request_submit(
            integration=integration, submitted=submitted, idempotency_key=idempotency_key
        )
    except ValidationError as exc:
        raise Open311Error(400, *_descriptions(exc)) from exc
    notices = [selectors.service_notice(submitted.category)] + [
        _("The photo at %(url)s is not fetched: %(error)s") % {"url": f.url, "error": f.error}
        for f in fetches
        if f.status == MediaFetch.Status.REFUSED
    ]
    body = [
        {
            "service_request_id": case.public_id,
            "service_notice": " ".join(n for n in notices if n) or None,
            "account_id": submitted.account_id or None,
        }
    ]
    headers = {"Open311-Token": token_for(case.public_id)}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return respond(body, fmt, root="service_requests", headers=headers)


def _descriptions(exc: ValidationError) -> list[str]:
    """The case service's field errors, named as the client sent them (attribute[code], lat/long, media)."""
    if not hasattr(exc, "error_dict"):
        return [_("media: %(message)s") % {"message": m} for m in exc.messages]
    names = {
        "location": "lat/long",
        "area": "lat/long",
        "category": "service_code",
        "idempotency_key": "Idempotency-Key",
        "title": "description",
    }
    described = []
    for name, messages in exc.message_dict.items():
        label = f"attribute[{name[6:]}]" if name.startswith("extra.") else names.get(name, name)
        described.extend(f"{label}: {message}" for message in messages)
    return described


@resource("GET")
def request_detail(request, service_request_id, fmt):
    params.check_jurisdiction(request.GET)
    case = selectors.request_by_public_id(service_request_id)
    if case is None:
        raise Open311Error(
            404, _("service_request_id provided was not found: %(id)s") % {"id": service_request_id}
        )
    return respond(selectors.request_rows([case], request.build_absolute_uri), fmt, root="service_requests")


@resource("GET")
def token(request, token, fmt):
    params.check_jurisdiction(request.GET)
    public_id = public_id_for(token)
    if public_id is None or not selectors.published_cases().filter(public_id=public_id).exists():
        raise Open311Error(404, _("token provided was not found."))
    return respond([{"service_request_id": public_id, "token": token}], fmt, root="service_requests")


@resource("GET")
def updates(request, fmt):
    """The servicerequestupdates extension (FixMyStreet's): public timeline events, oldest first."""
    params.check_jurisdiction(request.GET)
    query = params.updates_query(request.GET)
    events = selectors.updates_find(ids=query.ids, start=query.start, end=query.end)
    return respond(
        selectors.update_rows(events, request.build_absolute_uri), fmt, root="service_request_updates"
    )


def media(request, service_request_id, attachment_id):
    """A published request's approved photo: its blurred public copy if staff made one, re-encoded without
    metadata, at an unguessable address. Pending and rejected photos are a 404 like a missing one."""
    photo = selectors.published_photo(service_request_id, attachment_id)
    if photo is None:
        return error_response(Open311Error(404, _("No such photo.")), "json")
    # Published on purpose (the request is public): shared caches may keep it.
    return stored_file_response(
        photo.public_image, content_type="image/jpeg", cache_control="public, max-age=86400"
    )


@csrf_exempt
def unknown(request, path=""):
    fmt = "json" if path.endswith(".json") else "xml"
    message = _("There is no such GeoReport resource: /%(path)s") % {"path": path}
    return error_response(Open311Error(404, message), fmt)

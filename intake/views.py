"""The citizens' pages (no account): report, follow with the link, rate. Mounted at /public/."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.duplicates import duplicate_query, duplicates_near
from cases.models import Case
from cases.services import ActionNotAllowed, case_evaluate_by_token, case_reopen_by_token
from cases.tokens import citizen_token
from cases.views.report import map_settings
from gridgov.stored_files import stored_file_response
from grids.models import Area, Level
from grids.selectors import grid_for_point

from . import abuse, phones
from .citizens import (
    MAX_PHOTOS,
    after_photo_for,
    citizen_report,
    public_categories,
    public_channel,
    tracking_for,
)
from .forms import CitizenReportForm


def report_page(request):
    form = CitizenReportForm(request.POST or None)
    status, limited = 200, False
    if not public_channel().is_active:
        return render(request, "intake/closed.html", status=503)
    if request.method == "POST":
        status = 400
        if abuse.over_limit(request):
            status, limited = 429, True
        elif form.is_valid() and _not_a_bot(request, form):
            case = _report(request, form)
            if case is not None:
                return redirect(reverse("intake:track", kwargs={"token": citizen_token(case)}) + "?new=1")
    response = render(
        request,
        "intake/report.html",
        {
            "form": form,
            "categories": public_categories(),
            "map": map_settings(),
            "limited": limited,
            "max_photos": MAX_PHOTOS,
            "verified_phone": _masked(phones.verified_phone(request.COOKIES.get(phones.COOKIE, ""))),
        },
        status=status,
    )
    return abuse.device_cookie(response, request)


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


def _not_a_bot(request, form) -> bool:
    if request.POST.get(abuse.HONEYPOT):
        form.add_error(None, _("The form could not be sent. Please reload the page and try again."))
        return False
    if not abuse.device_id(request):
        form.add_error(None, _("Your browser did not keep our cookie. Please reload the page and try again."))
        return False
    if abuse.too_fast_or_forged(form.cleaned_data.get("started", "")):
        form.add_error(None, _("That was very quick: please check the form and send it again."))
        return False
    return True


def _report(request, form):
    data = form.cleaned_data
    photos = request.FILES.getlist("photos")
    if len(photos) > MAX_PHOTOS:
        form.add_error(None, _("At most %(n)d photos, please.") % {"n": MAX_PHOTOS})
        return None
    phone, verified = data["phone"], phones.verified_phone(request.COOKIES.get(phones.COOKIE, ""))
    if verified and phones.phone_normalize(phone) in ("", verified):
        phone = verified  # the number the citizen proved by SMS (an other number typed in stays unverified)
    try:
        result = citizen_report(
            category=data["category"],
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data["address"],
            name=data["name"],
            phone=phone,
            phone_verified=bool(verified) and phone == verified,
            photos=photos,
            idempotency_key=data["idempotency_key"],
            same_as=data["same_as"],
        )
    except ValidationError as exc:
        for key, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            field = {"location": "lat", "area": "lat", "title": "description", "idempotency_key": None}.get(
                key, key
            )
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return None
    if result.created:
        abuse.count_report(request)
    return result.case


@require_GET
def report_duplicates(request):
    """Open cases of the chosen kind near the pin, with nothing personal: number, title, distance, status."""
    query = duplicate_query(request.GET)
    cases = Case.objects.only("id", "public_id", "number", "title", "status", "lat", "lon", "reported_at")
    found = duplicates_near(cases, *query, limit=5) if query else []
    return render(request, "intake/_duplicates.html", {"found": found})


@require_GET
def grid_outlines(request):
    """Grid outlines for the public map (names only): the map works without any tile server."""
    grids = (
        Area.objects.filter(level=Level.GRID, is_active=True).exclude(boundary=None).only("name", "boundary")
    )
    features = [
        {"type": "Feature", "geometry": a.boundary, "properties": {"name": a.name}} for a in grids[:3000]
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_GET
def locate(request):
    """The grid a point falls in (its name only), for the map's "grid" line."""
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return JsonResponse({"area": None})
    area_id = grid_for_point(lat, lon)
    name = Area.objects.filter(pk=area_id).values_list("name", flat=True).first() if area_id else None
    return JsonResponse({"area": {"name": name} if name else None})


def track(request, token, *, status=200, **errors):
    tracking = tracking_for(token)
    if tracking is None:
        raise Http404
    return render(
        request,
        "intake/track.html",
        {
            "t": tracking,
            "token": token,
            "new": request.GET.get("new") == "1",
            "link": request.build_absolute_uri(reverse("intake:track", args=[token])),
            **errors,
        },
        status=status,
    )


@require_POST
def still_a_problem(request, token):
    """The closed report is not fixed: the citizen's words send it back to work (within the window)."""
    try:
        case_reopen_by_token(token=token, words=request.POST.get("words", ""))
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        return track(request, token, status=400, reopen_error=" ".join(exc.message_dict.get("words", [])))
    except ActionNotAllowed:
        pass  # reopened meanwhile: the page shows where it stands
    return redirect("intake:track", token=token)


@require_POST
def rate(request, token):
    satisfaction = request.POST.get("satisfaction", "")
    try:
        case_evaluate_by_token(
            token=token, satisfaction=satisfaction, comment=request.POST.get("comment", "")[:500]
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError:
        return track(request, token, status=400, rate_error=_("Choose one of the three answers."))
    except ActionNotAllowed:
        pass  # rated already (or reopened meanwhile): the page shows where it stands
    return redirect("intake:track", token=token)


@require_GET
def after_photo(request, token, pk, thumbnail=False):
    photo = after_photo_for(token, pk)
    if photo is None:
        raise Http404
    # The public copy (blurred when staff made one), never the original.
    return stored_file_response(
        photo.public_thumb if thumbnail else photo.public_image, content_type="image/jpeg"
    )


def _phone_errors(exc):
    return JsonResponse({"errors": {exc.field: [exc.message]}}, status=400)


@require_POST
def phone_code(request):
    """Send a verification code to a mobile number (form field ``phone``). 202, 400 or 429 (JSON)."""
    try:
        phones.code_request(phone=request.POST.get("phone", ""), ip=abuse.client_ip(request))
    except phones.PhoneError as exc:
        return _phone_errors(exc)
    except phones.TooMany as exc:
        return JsonResponse({"detail": str(exc)}, status=429)
    return JsonResponse({"sent": True, "expires_in": phones.CODE_MINUTES * 60}, status=202)


@require_POST
def phone_verify(request):
    """Check a code (``phone``, ``code``); on success the verified-phone cookie is set. 200, 400 or 429."""
    try:
        token = phones.code_verify(
            phone=request.POST.get("phone", ""),
            code=request.POST.get("code", ""),
            ip=abuse.client_ip(request),
        )
    except phones.PhoneError as exc:
        return _phone_errors(exc)
    except phones.TooMany as exc:
        return JsonResponse({"detail": str(exc)}, status=429)
    phone = phones.verified_phone(token)
    response = JsonResponse({"verified": True, "phone": _masked(phone)})
    response.set_cookie(
        phones.COOKIE,
        token,
        max_age=phones.TOKEN_MINUTES * 60,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response

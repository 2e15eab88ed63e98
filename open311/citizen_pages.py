"""What a citizen does on the public reports (issue 24 §1), without an account: add an update to an open
report with a phone verified by SMS code, subscribe to alerts for an area or a report, confirm an e-mail
address, unsubscribe with one click. Bad input answers 400 and a flood 429, with the message next to its
field. The centre's page counts the live subscriptions by area."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from intake import abuse, phones
from intake.selectors import may_manage_integrations

from . import alerts, selectors
from .services import UpdateTooMany, citizen_update_add


def verified_phone(request) -> str:
    return phones.verified_phone(request.COOKIES.get(phones.COOKIE, ""))


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


def report_context(request, row, errors=None, sent=False) -> dict:
    """What the report page's update and alert boxes need."""
    return {
        "update_errors": errors or {},
        "update_sent": sent or request.GET.get("updated") == "1",
        "verified_phone": masked(verified_phone(request)),
        "update_text": request.POST.get("text", "") if errors else "",
    }


# --- Updates on a report --------------------------------------------------------------------------------


@require_POST
def report_update(request, public_id):
    case = selectors.request_by_public_id(str(public_id)[:32])
    if case is None:
        raise Http404
    errors, status = _update(request, case)
    if not errors:
        return redirect(reverse("public-reports:detail", args=[case["public_id"]]) + "?updated=1#update")
    return _report_page(request, case, errors, status)


def _update(request, case) -> tuple[dict, int]:
    try:
        citizen_update_add(
            case_id=case["pk"],
            phone=verified_phone(request),
            ip=abuse.client_ip(request),
            text=request.POST.get("text", ""),
            still_there=request.POST.get("still_there") == "1",
            photo=request.FILES.get("photo"),
        )
    except UpdateTooMany as exc:
        return {exc.field: [exc.message]}, 429
    except ValidationError as exc:
        return exc.message_dict, 400
    return {}, 200


def _report_page(request, case, errors, status):
    row = selectors.request_rows([case], request.build_absolute_uri)[0]
    updates = selectors.update_rows(
        selectors.updates_find(ids=[case["public_id"]]), request.build_absolute_uri
    )
    context = {"row": row, "updates": updates, **report_context(request, row, errors)}
    return render(request, "open311/public_report.html", context, status=status)


# --- Alerts ---------------------------------------------------------------------------------------------


def subscribe(request):
    """The alert form: an area (street, community, grid) or the report named by ``?report=``."""
    data = request.POST if request.method == "POST" else request.GET
    chosen = {
        "area": str(data.get("area", ""))[:24],
        "report": str(data.get("report", ""))[:32],
        "email": str(data.get("email", ""))[:254] if request.method == "POST" else "",
    }
    errors, status, done = {}, 200, None
    if request.method == "POST":
        try:
            done = alerts.subscribe(
                ip=abuse.client_ip(request),
                verified_phone="" if chosen["email"] else verified_phone(request),
                email=chosen["email"],
                area_code="" if chosen["report"] else chosen["area"],
                public_id=chosen["report"],
            )
        except alerts.AlertError as exc:
            errors = {exc.field: [exc.message]}
            status = 429 if isinstance(exc, alerts.TooMany) else 400
    context = {
        "areas": alerts.subscribable_areas().order_by("code").values_list("code", "name", "level"),
        "chosen": chosen,
        "errors": errors,
        "done": done,
        "verified_phone": masked(verified_phone(request)),
    }
    return render(request, "open311/subscribe.html", context, status=status)


def confirm(request, token):
    subscription = alerts.confirm(token)
    return render(
        request,
        "open311/alert_done.html",
        {"subscription": subscription, "action": "confirm"},
        status=200 if subscription else 400,
    )


@csrf_exempt  # the signed token is the permission; a mail client's one-click POST carries no CSRF cookie
def unsubscribe(request, token):
    """One click from the message (GET), or a mail client's one-click POST (RFC 8058); no login."""
    subscription = alerts.unsubscribe(token)
    return render(
        request,
        "open311/alert_done.html",
        {"subscription": subscription, "action": "unsubscribe"},
        status=200 if subscription else 400,
    )


@login_required
def subscription_counts(request):
    if not may_manage_integrations(request.user):
        raise PermissionDenied
    rows = alerts.counts_by_area()
    return render(request, "open311/subscription_counts.html", {"rows": rows})

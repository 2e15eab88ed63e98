"""Pages: staff write notices and see who has read them (desktop); recipients read theirs (phone, and on
the home page until read); residents see an area's public notices without logging in. Thin: the same
selectors and services as the API; refusals come back next to their fields."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids.models import Area
from grids.scope import scoped

from . import extensions, selectors, services
from .forms import NoticeForm
from .models import Notice

MAX_ID = 2**63 - 1


def _sent(user):
    return scoped(user, Notice.objects.select_related("sending_unit", "area", "sender")).order_by(
        "-published_at", "-id"
    )[:100]


@login_required
def notice_list(request):
    """Notices addressed to the user (unread first) and, for staff, the form and the notices they oversee."""
    units = services.sender_units(request.user)
    form = NoticeForm(request.POST or None)
    if request.method == "POST":
        if not units:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            area = Area.objects.filter(code=data["area"], is_active=True).first()
            try:
                notice = services.notice_publish(
                    sender=request.user,
                    audience=data["audience"],
                    area=area,
                    title=data["title"],
                    body=data["body"],
                    expires_at=data["expires_at"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The notice is published."))
                return redirect("notices:detail", pk=notice.pk)
    mine = sorted(selectors.notices_for(request.user), key=lambda n: n.read_at is not None)
    return render(
        request,
        "notices/list.html",
        {
            "form": form,
            "units": units,
            "mine": mine,
            "sent": _sent(request.user) if units else [],
            "areas": Area.objects.filter(code__in=[u.code for u in units]) if units else [],
        },
    )


@login_required
def notice_detail(request, pk):
    if pk > MAX_ID:
        raise Http404
    notice = get_object_or_404(
        scoped(request.user, Notice.objects.select_related("sending_unit", "area")), pk=pk
    )
    overseer = scoped(request.user, Notice.objects.filter(pk=pk)).exclude(selectors.addressed_q(request.user))
    summary = None
    if overseer.exists() or notice.sender_id == request.user.pk:
        # Volunteers' receipts are kept by the app that has the volunteers (``extensions``).
        summary = extensions.other_receipt_summary(notice) or selectors.receipt_summary(notice)
    addressed = Notice.objects.filter(selectors.addressed_q(request.user), pk=pk).exists()
    return render(
        request, "notices/detail.html", {"notice": notice, "summary": summary, "addressed": addressed}
    )


@login_required
@require_POST
def notice_read(request, pk):
    if pk > MAX_ID:
        raise Http404
    notice = get_object_or_404(scoped(request.user, Notice.objects.all()), pk=pk)
    services.notice_read(notice=notice, user=request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "notices:list")


@login_required
@require_POST
def notice_withdraw(request, pk):
    if pk > MAX_ID:
        raise Http404
    notice = get_object_or_404(scoped(request.user, Notice.objects.all()), pk=pk)
    try:
        services.notice_withdraw(notice_id=notice.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice is withdrawn."))
    return redirect("notices:detail", pk=notice.pk)


def public_list(request):
    """The current public notices of an area (?area=code) and the areas above it; no login."""
    code = str(request.GET.get("area", ""))[:24]
    area = Area.objects.filter(code=code, is_active=True).first() if code.isdigit() else None
    notices = list(selectors.public_notices(area)[:50]) if area else []
    return render(
        request,
        "notices/public.html",
        {"area": area, "code": code, "notices": notices, "unknown": bool(code) and not area},
    )

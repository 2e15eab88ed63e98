"""The centre's view of integrations: keys in use, webhook deliveries, failures, and sending again.
Mounted at /intake/ (``intake/staff_urls.py``); district centre staff and superusers only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import EventKind

from .models import WebhookDelivery, WebhookStatus
from .selectors import deliveries, integrations_overview, may_manage_integrations
from .webhooks import delivery_retry


def _labelled(rows):
    """Each delivery with the case event's name in words (the case pages' labels, plus intake's own)."""
    labels = dict(EventKind.choices)
    rows = list(rows)
    for row in rows:
        row.kind_label = labels.get(row.kind, row.kind)
    return rows


def _centre_only(request):
    if not may_manage_integrations(request.user):
        raise PermissionDenied


@login_required
def integrations_page(request):
    _centre_only(request)
    return render(
        request,
        "intake/staff/integrations.html",
        {
            "integrations": integrations_overview(),
            "failed": _labelled(deliveries(WebhookStatus.FAILED)[:20]),
        },
    )


@login_required
def deliveries_page(request):
    _centre_only(request)
    status = request.GET.get("status", "")
    page = Paginator(deliveries(status), 50).get_page(request.GET.get("page"))
    page.object_list = _labelled(page.object_list)
    return render(
        request,
        "intake/staff/deliveries.html",
        {"page": page, "status": status, "statuses": WebhookStatus.choices},
    )


@login_required
@require_POST
def delivery_retry_view(request, pk):
    _centre_only(request)
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    delivery_retry(delivery_id=delivery.pk, actor=request.user)
    messages.success(request, _("Delivery %(id)s queued again.") % {"id": delivery.pk})
    return redirect(request.POST.get("next") or "intake-staff:deliveries")

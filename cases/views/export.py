"""The case list's xlsx export (cases/exports.py): asked from the list with its filters, written by the
worker, its progress polled by its page, the file handed to the requester only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from gridgov.stored_files import stored_file_response
from grids.scope import scoped

from .. import exports, tasks
from ..models import CaseExport
from .queues import FILTERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ID = 2**63 - 1


@login_required
@require_POST
def export_start(request):
    params = {k: request.POST.get(k, "") for k in ("queue", *FILTERS)}
    back = reverse("cases:list") + "?" + urlencode({k: v for k, v in params.items() if v})
    try:
        export = exports.export_request(actor=request.user, params=params)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(back)
    transaction.on_commit(lambda: tasks.export_cases.delay(export.pk))
    return redirect("cases:export", pk=export.pk)


def _export(request, pk) -> CaseExport:
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(scoped(request.user, CaseExport.objects.all()), pk=pk)


@login_required
@require_GET
def export_page(request, pk):
    export = _export(request, pk)
    back = reverse("cases:list") + "?" + urlencode(export.params)
    return render(request, "cases/export.html", {"export": export, "back": back})


@login_required
@require_GET
def export_progress(request, pk):
    """What the page polls: status, rows written of the total, the file's address once ready."""
    export = _export(request, pk)
    return JsonResponse(
        {
            "status": export.status,
            "label": export.get_status_display(),
            "done": export.done,
            "total": export.total,
            "file": reverse("cases:export-file", args=[export.pk]) if export.file else None,
        }
    )


@login_required
@require_GET
def export_file(request, pk):
    export = _export(request, pk)
    if not export.file:
        raise Http404
    response = stored_file_response(
        export.file, content_type=XLSX, cache_control="private, no-store", download=True
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{export.pk}.xlsx"'
    return response

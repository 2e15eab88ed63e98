"""Photo moderation on the staff side: approve or keep a photo from the public, and the blur tool, where
staff draw rectangles over faces and number plates and the server writes the blurred public copy
(``cases.moderation``). Only the unit that accepts and dispatches the case may do either; everyone who
sees the case sees each photo's decision."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.stored_files import stored_file_response
from grids.scope import scoped

from .. import moderation
from ..models import Attachment


def _visible_photo(user, pk) -> Attachment:
    qs = scoped(user, Attachment.objects.select_related("case")).exclude(thumbnail="")
    return get_object_or_404(qs, pk=pk)


def _back(request, attachment):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("cases:detail", pk=attachment.case_id)


@login_required
@require_POST
def photo_review(request, pk):
    """``decision``: approve (public from now on) or reject (staff only)."""
    attachment = _visible_photo(request.user, pk)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or keep from the public."))
        return _back(request, attachment)
    try:
        moderation.photo_moderate(attachment_id=pk, actor=request.user, approve=decision == "approve")
    except PermissionDenied:
        messages.error(request, _("You may not review this case's photos."))
        return _back(request, attachment)
    messages.success(
        request, _("Photo approved for the public.") if decision == "approve" else _("Photo kept staff-only.")
    )
    return _back(request, attachment)


@login_required
@require_http_methods(["GET", "POST"])
def photo_blur(request, pk):
    """The blur tool: the photo at full width, rectangles drawn over it, the public copy beside it."""
    attachment = _visible_photo(request.user, pk)
    if not moderation.may_moderate(attachment.case, request.user):
        messages.error(request, _("You may not review this case's photos."))
        return redirect("cases:detail", pk=attachment.case_id)
    errors: dict = {}
    if request.method == "POST":
        try:
            regions = json.loads(request.POST.get("regions") or "[]")
        except ValueError:
            regions = None
        try:
            moderation.photo_blur(attachment_id=pk, actor=request.user, regions=regions)
        except ValidationError as exc:
            errors = {("all" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("The public copy is blurred; the original stays staff-only."))
            return redirect("cases:photo-blur", pk=pk)
    context = {"photo": attachment, "case": attachment.case, "errors": errors}
    return render(request, "cases/photo_blur.html", context, status=400 if errors else 200)


@login_required
@require_GET
def public_copy(request, pk, thumbnail=False):
    """What the public would receive for this photo (the blurred copy, or the photo), for staff only."""
    attachment = _visible_photo(request.user, pk)
    field_file = attachment.public_thumb if thumbnail else attachment.public_image
    if not field_file:
        raise Http404
    return stored_file_response(field_file, content_type="image/jpeg")

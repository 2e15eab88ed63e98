"""The photo moderation queue (staff): photos of published reports waiting for a decision, in the
viewer's areas, oldest first. Approve and reject post to the case page's own review form
(``cases.views.photos``) and come back here; "Review and blur" opens the blur tool. A second list holds
citizens' update words waiting where ``CITIZEN_WORDS_MODERATED`` is on (issue 24 §4), decided here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.models import HeldWords
from cases.moderation import citizen_update_approve, citizen_update_reject

from . import selectors


@login_required
@require_GET
def queue(request):
    after = str(request.GET.get("after", ""))
    photos, next_cursor = selectors.moderation_queue(
        request.user, after=int(after) if after.isdigit() else None
    )
    words = selectors.held_words_queue(request.user)
    return render(
        request, "open311/moderation.html", {"photos": photos, "next_cursor": next_cursor, "words": words}
    )


@login_required
@require_POST
def words_review(request, pk):
    """``decision``: approve (the words are public from now on) or reject (staff only, for good). Unknown
    ids and updates outside the viewer's cases answer 404 alike."""
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or keep from the public."))
        return redirect("photo-moderation:queue")
    decide = citizen_update_approve if decision == "approve" else citizen_update_reject
    try:
        decide(event_id=pk, actor=request.user)
    except (HeldWords.DoesNotExist, PermissionDenied):
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("photo-moderation:queue")
    messages.success(
        request,
        _("Update approved for the public.") if decision == "approve" else _("Update kept staff-only."),
    )
    return redirect("photo-moderation:queue")

"""The photo moderation queue (staff): photos of published reports waiting for a decision, in the
viewer's areas, oldest first. Approve and reject post to the case page's own review form
(``cases.views.photos``) and come back here; "Review and blur" opens the blur tool."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def queue(request):
    after = str(request.GET.get("after", ""))
    photos, next_cursor = selectors.moderation_queue(
        request.user, after=int(after) if after.isdigit() else None
    )
    return render(request, "open311/moderation.html", {"photos": photos, "next_cursor": next_cursor})

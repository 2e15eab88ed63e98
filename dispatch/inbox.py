"""The inbox page (``/inbox/``): a user's notices, newest first, unread ones marked, each with a link to what
it is about when its reader may open it (``dispatch.targets``: the case, the notice 通知公告, the shift, the
warning…); mark one or all read. The nav's unread count is
``dispatch.context_processors.inbox_nav``. Reads go through ``dispatch.selectors`` (the inbox is its owner's
alone), writes through
``services.notifications_mark_read``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .targets import targets

PAGE_SIZE = 30


@login_required
@require_GET
def inbox_list(request):
    unread_only = request.GET.get("unread") == "1"
    before = None
    after = request.GET.get("after", "")
    if after.isdigit():
        before = selectors.inbox(request.user).filter(pk=int(after)).only("id", "created_at").first()
    rows, more = selectors.inbox_page(request.user, unread_only=unread_only, before=before, size=PAGE_SIZE)
    links = targets(request.user, rows)
    for n in rows:
        n.target = links.get(n.pk)
    return render(
        request,
        "dispatch/inbox.html",
        {
            "notifications": rows,
            "unread_only": unread_only,
            "next_after": rows[-1].pk if more else None,
        },
    )


@login_required
@require_POST
def inbox_read(request, pk):
    """Mark one notice read, then back to the inbox, or on to what it is about (``open``)."""
    notification = get_object_or_404(
        selectors.inbox(request.user).only("id", "case_id", "kind", "key"), pk=pk
    )
    services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    target = targets(request.user, [notification]).get(notification.pk)
    if request.POST.get("open") == "1" and target:
        return redirect(target.url)
    return redirect(_back(request))


@login_required
@require_POST
def inbox_read_all(request):
    marked = services.notifications_mark_read(actor=request.user)
    messages.success(request, _("%(n)d notices marked read.") % {"n": marked})
    return redirect(_back(request))


def _back(request) -> str:
    return "/inbox/?unread=1" if request.POST.get("unread") == "1" else "/inbox/"

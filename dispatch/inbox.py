"""The inbox page (``/inbox/``): a user's notices, newest first, unread ones marked, each with a link to its
case (or to the notice, 通知公告, for one put in the inbox); mark one or all read. The nav's unread count is
``dispatch.context_processors.inbox_nav``. Reads go through ``dispatch.selectors`` (the inbox is its owner's
alone), writes through
``services.notifications_mark_read``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services

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
    """Mark one notice read, then back to the inbox, or on to its case (``open``)."""
    notification = get_object_or_404(
        selectors.inbox(request.user).only("id", "case_id", "kind", "key"), pk=pk
    )
    services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    if request.POST.get("open") == "1" and notification.case_id:
        return redirect("cases:detail", pk=notification.case_id)
    notice_id = notification.key.removeprefix("notice:") if notification.kind == "notice" else ""
    if request.POST.get("open") == "1" and notice_id.isdigit():  # a notice (通知公告) put in the inbox
        return redirect("notices:detail", pk=int(notice_id))
    return redirect(_back(request))


@login_required
@require_POST
def inbox_read_all(request):
    marked = services.notifications_mark_read(actor=request.user)
    messages.success(request, _("%(n)d notices marked read.") % {"n": marked})
    return redirect(_back(request))


def _back(request) -> str:
    return "/inbox/?unread=1" if request.POST.get("unread") == "1" else "/inbox/"

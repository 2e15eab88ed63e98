"""Citizens without an account: report on the public page, follow the case with a link, rate it.

Who reports: every public report is made as the service user of one integration of kind "public"
(公众上报, created on first use). The audit trail names the channel; the citizen's own name and phone, if
they give them, are stored on the case like a hotline caller's. The centre can switch public reporting off
by deactivating that integration.

What a citizen sees: only public milestones in plain words (received, accepted, sent to the handling
unit, being handled, handled, checked, closed with its result, not taken up with the reason, merged,
reopened, rated) — never staff names, internal comments, returns or reworks.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Attachment, Case, CaseEvent, Category, Satisfaction, Source
from cases.moderation import public_photos
from cases.services import case_report, may_reopen_by_citizen
from cases.tokens import case_id_for_token, citizen_token

from .keys import integration_create
from .models import Integration, SmsMessage
from .phones import phone_normalize
from .sms import sms_send

PUBLIC_NAME = "公众上报（网页）"
MAX_PHOTOS = 3


def public_channel() -> Integration:
    integration = Integration.objects.filter(kind=Integration.Kind.PUBLIC).select_related("user").first()
    if integration is None:
        try:
            with transaction.atomic():
                integration, _key = integration_create(name=PUBLIC_NAME, kind=Integration.Kind.PUBLIC)
        except IntegrityError:  # created at the same moment by another request
            integration = Integration.objects.select_related("user").get(kind=Integration.Kind.PUBLIC)
    return integration


def public_categories():
    """Active minor categories a citizen can report without the staff-only extra fields."""
    minors = (
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )
    return [c for c in minors if not any(f.get("required") for f in c.fields or [])]


def citizen_report(
    *,
    category,
    description,
    lat,
    lon,
    address="",
    name="",
    phone="",
    phone_verified=False,
    photos=(),
    idempotency_key="",
    same_as: Case | None = None,
):
    """A citizen's report as the public channel. Returns ``cases.services.ReportResult``."""
    channel = public_channel()
    title = " ".join(description.split())[:40] or category.name
    if same_as is not None:
        description += "\n\n" + _("(The reporter says this is the same problem as case %(number)s.)") % {
            "number": same_as.number
        }
    if phone_verified:
        description += "\n\n" + _("(The reporter's phone number was verified by SMS code.)")
    return case_report(
        actor=channel.user,
        category=category,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        source=Source.CITIZEN,
        reporter_name=name,
        reporter_phone=phone,
        before_photos=list(photos)[:MAX_PHOTOS],
        idempotency_key=idempotency_key,
    )


# --- Following a case -----------------------------------------------------------------------------

STATUS_WORDS = {
    "reported": gettext_lazy("We have your report and will look at it soon."),
    "self_handled": gettext_lazy("Handled on the spot; being checked."),
    "filed": gettext_lazy("Accepted as a case; it is being sent to the unit that handles it."),
    "dispatched": gettext_lazy("With the unit that handles it."),
    "accepted": gettext_lazy("Being handled."),
    "handled": gettext_lazy("Handled; being checked on site."),
    "verified": gettext_lazy("Handled and checked; about to be closed."),
    "closed": gettext_lazy("Closed. Please tell us how satisfied you are."),
    "evaluated": gettext_lazy("Closed and rated. Thank you."),
    "suspended": gettext_lazy("Paused: it cannot be handled right away and will continue later."),
    "voided": gettext_lazy("Not taken up as a case."),
}

MILESTONES = {
    "report": gettext_lazy("Your report was received."),
    "file": gettext_lazy("Accepted as a case."),
    "dispatch": gettext_lazy("Sent to the unit that handles it."),
    "accept": gettext_lazy("The unit started handling it."),
    "feedback": gettext_lazy("The unit reports it handled."),
    "self_handle": gettext_lazy("Handled on the spot."),
    "verify_pass": gettext_lazy("Checked on site."),
    "close": gettext_lazy("Closed."),
    "void": gettext_lazy("Not taken up as a case."),
    "answer": gettext_lazy("Answered:"),
    "return_to_hotline": gettext_lazy("Sent back to the 12345 hotline, which passes it to the right office:"),
    "merge": gettext_lazy("Joined with an earlier report of the same problem: its progress is shown here."),
    "reopen": gettext_lazy("Reopened for more work."),
    "suspend": gettext_lazy("Paused."),
    "resume": gettext_lazy("Resumed."),
    "evaluate": gettext_lazy("Rated."),
    "note_public": gettext_lazy("A note from the unit handling it:"),  # internal notes never show here
}
ORIGINAL_ONLY = {"report", "merged_in"}  # of the original: the citizen's own report stands for it


@dataclass
class Milestone:
    at: datetime
    text: str
    detail: str = ""


@dataclass
class Tracking:
    own: Case  # the citizen's report
    shown: Case  # the case whose progress they follow (the original, once merged)
    status_words: str
    milestones: list
    after_photos: list
    may_rate: bool
    may_reopen: bool  # "still a problem": closed within the callback window
    rating: str  # display of the rating given, if any


def tracking_for(token: str) -> Tracking | None:
    case_id = case_id_for_token(token)
    if case_id is None:
        return None
    own = Case.objects.select_related("category", "duplicate_of__category").get(pk=case_id)
    shown = own.duplicate_of or own
    events = (
        CaseEvent.objects.filter(
            Q(case=own, kind__in=["report", "merge"])
            | Q(case=shown, kind__in=list(MILESTONES)) & ~Q(kind__in=ORIGINAL_ONLY)
        )
        if shown != own
        else CaseEvent.objects.filter(case=own, kind__in=list(MILESTONES))
    )
    milestones = [_milestone(e, shown) for e in events.order_by("created_at", "id")]
    closed = shown.status in ("closed", "evaluated")
    # Only photos staff approved for the public, as their public copy: the link can be passed on.
    photos = list(public_photos().filter(case=shown, kind="after").order_by("id")) if closed else []
    return Tracking(
        own=own,
        shown=shown,
        status_words=str(STATUS_WORDS.get(shown.status, "")),
        milestones=milestones,
        after_photos=photos,
        may_rate=shown.status == "closed",
        may_reopen=may_reopen_by_citizen(shown),
        rating=str(Satisfaction(shown.satisfaction).label) if shown.satisfaction else "",
    )


def _milestone(event, shown) -> Milestone:
    detail = ""
    if event.kind in ("close", "answer") and event.case_id == shown.pk:
        detail = shown.result
    elif event.kind in ("void", "return_to_hotline"):
        detail = event.comment  # the reason is the one comment a citizen is told
    elif event.kind == "note_public":
        detail = event.comment
    elif event.kind == "evaluate":
        rating = event.payload.get("satisfaction", "")
        detail = str(Satisfaction(rating).label) if rating in Satisfaction.values else ""
    return Milestone(at=event.created_at, text=str(MILESTONES[event.kind]), detail=detail)


def after_photo_for(token: str, pk: int) -> Attachment | None:
    tracking = tracking_for(token)
    if tracking is None:
        return None
    return next((a for a in tracking.after_photos if a.pk == pk), None)


# --- Links in messages ----------------------------------------------------------------------------


def public_url(path: str) -> str:
    """An absolute link for a message that leaves the site (SMS, e-mail): ``GRIDGOV["PUBLIC_BASE_URL"]``,
    the address citizens reach the site at, plus ``path``."""
    base = (getattr(settings, "GRIDGOV", {}) or {}).get("PUBLIC_BASE_URL", "http://localhost:8000")
    return base.rstrip("/") + path


def closing_sms(case_id) -> SmsMessage | None:
    """ "Fixed or still a problem?" (issue 24 §1): when a citizen's report closes, its reporter, if they left
    a mobile number, gets the tracking link by SMS (the page asks the question and takes "still a problem"
    within the callback window). Sent once per closing; a merged duplicate's reporter is asked on the
    original's close through their own link."""
    case = Case.objects.filter(pk=case_id, source=Source.CITIZEN).only(
        "public_id", "number", "reporter_phone"
    )
    case = case.first()
    phone = phone_normalize(case.reporter_phone) if case is not None else ""
    if not phone:
        return None
    link = public_url(reverse("intake:track", args=[citizen_token(case)]))
    return sms_send(phone=phone, purpose="case_closed", params={"number": case.number, "link": link})

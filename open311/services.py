"""Writes of the Open311 endpoint: a submitted request becomes a case; photos named by URL are fetched.

A request is reported as the client's service user (the audit trail names the client) with source
"citizen". Photos uploaded with the POST are stored in the same transaction; photos named by media_url
are queued and fetched by a task after the commit, never during the request.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.attachments import attachment_store
from cases.media import UploadRefused
from cases.models import Attachment, AttachmentKind, CaseEvent, Source
from cases.services import case_report, case_update_by_citizen
from gridgov.stored_files import files_removed_on_failure
from intake import abuse

from .conf import setting
from .fetch import MediaRefused, MediaUnavailable, download, url_problem
from .models import MediaFetch, Submission
from .tasks import fetch_media

MAX_ATTEMPTS = 5
DAY = 24 * 3600
# A claimed fetch is not picked up again for this long (a worker that died mid-fetch frees it then).
log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(minutes=10)


def request_submit(*, integration, submitted, idempotency_key: str = ""):
    """Report the case; returns (case, created, media fetches queued by this call)."""
    with transaction.atomic():
        result = case_report(
            actor=integration.user,
            category=submitted.category,
            title=submitted.title,
            description=submitted.description,
            lat=submitted.lat,
            lon=submitted.lon,
            address=submitted.address,
            area=submitted.area,
            source=Source.CITIZEN,
            extra=submitted.attributes,
            reporter_name=submitted.reporter_name,
            reporter_phone=submitted.phone,
            idempotency_key=idempotency_key,
            before_photos=submitted.photos,
        )
        if not result.created:  # a retry: the first request's case, nothing added twice
            return result.case, False, []
        Submission.objects.create(
            case=result.case,
            integration=integration,
            email=submitted.email,
            device_id=submitted.device_id,
            account_id=submitted.account_id,
            address_id=submitted.address_id,
        )
        fetches = [media_fetch_add(case=result.case, url=url) for url in submitted.media_urls]
    return result.case, True, fetches


class UpdateTooMany(Exception):
    """A flood of citizens' updates from one address or phone (429), with the field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def citizen_update_add(*, case_id, phone, ip, text="", still_there=False, photo=None):
    """A citizen's update on a published report (issue 24 §1), for the report page and the public API alike:
    a phone verified by SMS code (``phone`` is the number its token vouches for, "" when none), counted per
    address and per phone per day, then ``cases.services.case_update_by_citizen``. Raises ``ValidationError``
    (400, by field) or ``UpdateTooMany`` (429)."""
    if not phone:
        raise ValidationError({"phone": [_("Verify your phone by SMS code first.")]})
    if not abuse.window_take("citizen-update-ip", ip, setting("CITIZEN_UPDATES_PER_IP_PER_DAY"), seconds=DAY):
        raise UpdateTooMany("text", _("Too many updates from here today. Please try again tomorrow."))
    if not abuse.window_take(
        "citizen-update-phone", phone, setting("CITIZEN_UPDATES_PER_PHONE_PER_DAY"), seconds=DAY
    ):
        raise UpdateTooMany(
            "phone", _("This phone has sent too many updates today. Please try again tomorrow.")
        )
    try:
        return case_update_by_citizen(
            case_id=case_id,
            phone=phone,
            text=text,
            still_there=still_there,
            photo=photo,
            held=bool(setting("CITIZEN_WORDS_MODERATED")),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"photo": exc.messages}) from exc


def media_fetch_add(*, case, url: str) -> MediaFetch:
    """Queue a photo URL; one on a host not allowed is recorded as refused at once (no network)."""
    problem = url_problem(url)
    fetch = MediaFetch.objects.create(
        case=case,
        url=url,
        next_attempt_at=timezone.now(),
        status=MediaFetch.Status.REFUSED if problem else MediaFetch.Status.PENDING,
        error=problem or "",
    )
    if not problem:
        transaction.on_commit(lambda: fetch_media.delay(fetch.pk))
    return fetch


def media_fetch_run(fetch_id: int, *, now=None) -> MediaFetch | None:
    """One attempt at a queued photo; None when the fetch is not due or another worker holds it."""
    now = now or timezone.now()
    claimed = MediaFetch.objects.filter(
        pk=fetch_id, status=MediaFetch.Status.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE, updated_at=now)
    if not claimed:
        return None
    fetch = MediaFetch.objects.select_related("case").get(pk=fetch_id)
    try:
        body, name = download(fetch.url, max_bytes=setting("OPEN311_MEDIA_MAX_BYTES"))
        attachment = _store(fetch.case, body, name)
    except (MediaRefused, UploadRefused) as exc:
        return _finish(fetch, MediaFetch.Status.REFUSED, _message(exc))
    except MediaUnavailable as exc:
        if fetch.attempts >= MAX_ATTEMPTS:
            return _finish(fetch, MediaFetch.Status.FAILED, str(exc))
        # Backoff: 1, 5, 25, 125 minutes after attempts 1..4.
        fetch.next_attempt_at = now + timedelta(minutes=5 ** (fetch.attempts - 1))
        fetch.error = str(exc)[:300]
        fetch.save(update_fields=["next_attempt_at", "error", "updated_at"])
        return fetch
    fetch.attachment = attachment
    return _finish(fetch, MediaFetch.Status.DONE, "")


def _store(case, body: bytes, name: str) -> Attachment:
    with files_removed_on_failure(), transaction.atomic():
        attachment = attachment_store(
            case=case, actor=case.reporter, upload=ContentFile(body, name=name), kind=AttachmentKind.BEFORE
        )
        # The photo belongs to the report, as if it had been uploaded with it: the timeline shows it there.
        report_event = CaseEvent.objects.filter(case=case, kind="report").values_list("pk", flat=True).first()
        Attachment.objects.filter(pk=attachment.pk).update(event_id=report_event)
    return attachment


def _finish(fetch, status, error) -> MediaFetch:
    fetch.status, fetch.error = status, error[:300]
    fetch.save(update_fields=["status", "error", "attachment", "updated_at"])
    return fetch


def _message(exc) -> str:
    messages = getattr(exc, "messages", None)
    return "; ".join(messages) if messages else str(exc)


def media_fetches_due(*, now=None, limit=200) -> list[int]:
    due = MediaFetch.objects.filter(
        status=MediaFetch.Status.PENDING, next_attempt_at__lte=now or timezone.now()
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def rejected_media_purge(*, now=None) -> int:
    """The sweep's retention step (hourly): photo fetches refused or failed more than
    OPEN311_REJECTED_MEDIA_DAYS ago are deleted (the URL a client sent and why it was refused). A fetched
    photo is the case's attachment and stays with the case."""
    cutoff = (now or timezone.now()) - timedelta(days=setting("OPEN311_REJECTED_MEDIA_DAYS"))
    done = (MediaFetch.Status.REFUSED, MediaFetch.Status.FAILED)
    deleted = MediaFetch.objects.filter(status__in=done, updated_at__lt=cutoff).delete()[0]
    if deleted:
        log.info("retention: deleted %s refused or failed Open311 photo fetches before %s", deleted, cutoff)
    return deleted

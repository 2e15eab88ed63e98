"""Photo moderation (issue 24 §1, docs/domain.md §18.1): a case's photo reaches the public only after staff
approve it.

Every photo is stored ``pending``. The acting unit over the case's area (``workflow.is_case_unit``: the
staff who accept and dispatch it) approves or rejects it, and may first blur faces and number plates: the
server writes a blurred public copy beside the original, which stays behind the staff scope. Each
decision is an event of the case's timeline (who, when, which photo), through the one event writer.

What the public may fetch is decided in one place, ``public_photos``: approved, never anything else.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.stored_files import file_written, files_removed_on_failure

from .events import event_append
from .media import MAX_BLUR_REGIONS, blur_regions, content_sha256
from .models import Attachment, EventKind, HeldWords, Publication
from .workflow import is_case_unit


def may_moderate(case, user) -> bool:
    """The unit that accepts and dispatches the case decides what of it the public sees."""
    return is_case_unit(case, user)


def public_photos(qs=None):
    """The only photos any public page, feed or file URL may serve."""
    qs = Attachment.objects.all() if qs is None else qs
    return qs.filter(publication=Publication.APPROVED).exclude(thumbnail="")


def _locked_photo(attachment_id, actor) -> Attachment:
    attachment = (
        Attachment.objects.select_for_update(of=("self",)).select_related("case").get(pk=attachment_id)
    )
    if not may_moderate(attachment.case, actor):
        raise PermissionDenied(_("You may not review this case's photos."))
    if not attachment.thumbnail:
        raise ValidationError({"__all__": [_("Only photos are reviewed; documents are never public.")]})
    return attachment


def photo_moderate(*, attachment_id, actor, approve: bool) -> Attachment:
    """Approve a photo for the public, or keep it staff-only; recorded on the case's timeline."""
    with transaction.atomic():
        attachment = _locked_photo(attachment_id, actor)
        attachment.publication = Publication.APPROVED if approve else Publication.REJECTED
        attachment.moderated_by, attachment.moderated_at = actor, timezone.now()
        attachment.save(update_fields=["publication", "moderated_by", "moderated_at"])
        case = attachment.case
        event_append(
            case=case,
            kind=EventKind.PHOTO_APPROVE if approve else EventKind.PHOTO_REJECT,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            payload={"attachment": attachment.pk, "blurred": bool(attachment.public_file)},
        )
    return attachment


def clean_regions(raw) -> list[list[float]]:
    """Rectangles as ``[x, y, width, height]`` shares of the photo (0..1); a per-field error otherwise."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"regions": [_("Draw at least one rectangle over the photo.")]})
    if len(raw) > MAX_BLUR_REGIONS:
        raise ValidationError(
            {"regions": [_("At most %(n)d rectangles on one photo.") % {"n": MAX_BLUR_REGIONS}]}
        )
    regions = []
    for item in raw:
        try:
            x, y, w, h = (float(v) for v in item)
        except (TypeError, ValueError):
            raise ValidationError({"regions": [_("A rectangle is four numbers.")]}) from None
        if not all(0 <= v <= 1 for v in (x, y, w, h)) or w <= 0 or h <= 0:
            raise ValidationError({"regions": [_("A rectangle must lie on the photo.")]})
        regions.append([round(v, 4) for v in (x, y, w, h)])
    return regions


def photo_blur(*, attachment_id, actor, regions) -> Attachment:
    """Write the public copy with ``regions`` blurred; the original is kept as it was, staff-only.

    Blurring does not approve: the photo keeps its decision, and an approved one is served blurred from
    now on. Each blur starts from the original, so a rectangle drawn wrong is undone by drawing again."""
    regions = clean_regions(regions)
    with files_removed_on_failure(), transaction.atomic():
        attachment = _locked_photo(attachment_id, actor)
        with attachment.file.open("rb") as original:
            content, thumbnail = blur_regions(original.read(), regions)
        digest = content_sha256(content)
        attachment.public_file.save(f"{digest}.jpg", ContentFile(content), save=False)
        file_written(attachment.public_file)
        attachment.public_thumbnail.save(f"{digest}.thumb.jpg", ContentFile(thumbnail), save=False)
        file_written(attachment.public_thumbnail)
        attachment.save(update_fields=["public_file", "public_thumbnail"])
        case = attachment.case
        event_append(
            case=case,
            kind=EventKind.PHOTO_BLUR,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            payload={"attachment": attachment.pk, "regions": regions},
        )
    return attachment


def _locked_words(event_id, actor) -> HeldWords:
    held = HeldWords.objects.select_for_update(of=("self",)).select_related("event__case").get(pk=event_id)
    if not may_moderate(held.event.case, actor):
        raise PermissionDenied(_("You may not review this case's updates."))
    if held.publication != Publication.PENDING:  # a rejection is final: the words never become public
        raise ValidationError({"__all__": [_("This update has already been reviewed.")]})
    return held


def _words_decide(event_id, actor, approve: bool) -> HeldWords:
    with transaction.atomic():
        held = _locked_words(event_id, actor)
        held.publication = Publication.APPROVED if approve else Publication.REJECTED
        held.moderated_by, held.moderated_at = actor, timezone.now()
        held.save(update_fields=["publication", "moderated_by", "moderated_at"])
        case = held.event.case
        event_append(
            case=case,
            kind=EventKind.WORDS_APPROVE if approve else EventKind.WORDS_REJECT,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            payload={"event": held.event.seq},
        )
    return held


def citizen_update_approve(*, event_id, actor) -> HeldWords:
    """A held citizen's update (issue 24 §4): its words are public from now on; recorded on the timeline.
    ``HeldWords.DoesNotExist`` for an unknown id, ``PermissionDenied`` outside the actor's cases."""
    return _words_decide(event_id, actor, approve=True)


def citizen_update_reject(*, event_id, actor) -> HeldWords:
    """A held citizen's update stays staff-only for good; recorded on the timeline."""
    return _words_decide(event_id, actor, approve=False)

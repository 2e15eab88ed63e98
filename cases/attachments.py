"""Storing photos and documents: content checked and re-encoded by ``cases.media``, then saved."""

from django.core.files.base import ContentFile

from gridgov.stored_files import file_written

from .media import DOCUMENT, IMAGE, content_sha256, inspect_upload, process_image
from .models import Attachment, AttachmentKind


def attachment_store(*, case, actor, upload, kind: str) -> Attachment:
    """Check an upload by content, strip its metadata (keeping GPS as data), store it and a thumbnail.

    The files are saved before the row: call it inside ``files_removed_on_failure()`` so that a
    transaction that rolls back takes them with it."""
    if kind not in AttachmentKind.values:
        raise ValueError(f"unknown attachment kind {kind!r}")
    inspected = inspect_upload(upload, kind=DOCUMENT if kind == AttachmentKind.DOCUMENT else IMAGE)
    name = getattr(upload, "name", "") or ""
    attachment = Attachment(
        case=case,
        kind=kind,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        original_name=name[-200:],
    )
    if inspected.kind == IMAGE:
        image = process_image(upload)
        attachment.mime, attachment.size, attachment.sha256 = image.mime, len(image.content), image.sha256
        attachment.width, attachment.height = image.width, image.height
        if image.gps:
            attachment.gps_lat, attachment.gps_lon = image.gps
        attachment.taken_at = image.taken_at
        attachment.file.save("photo.jpg", ContentFile(image.content), save=False)
        file_written(attachment.file)
        attachment.thumbnail.save("thumb.jpg", ContentFile(image.thumbnail), save=False)
        file_written(attachment.thumbnail)
    else:
        upload.seek(0)
        data = upload.read()
        attachment.mime, attachment.size, attachment.sha256 = inspected.mime, len(data), content_sha256(data)
        attachment.file.save("document" + inspected.extension, ContentFile(data), save=False)
        file_written(attachment.file)
    attachment.save()
    return attachment

"""Photos sent in pieces (issue 23): a phone in a stairwell loses its connection mid-photo, and a 4 MB
photo sent whole over a weak signal starts again from nothing every time. Here it is sent in pieces of a
few hundred KB: the phone declares the size and SHA-256, asks how far the server got, and goes on from
there. The last piece checks the hash and the content (an image, within the limits); a report then names
the finished upload instead of sending the file, and the photo is stored as any other — its EXIF time
and GPS read, then stripped (``cases.attachments``).

Uploads are the owner's alone. Used ones lose their pieces at once and their rows after a day (a lost
answer's retry still finds which case used them); unfinished ones are deleted after a day of silence.
"""

import logging
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .media import IMAGE, UploadRefused, content_sha256, inspect_upload, upload_limits
from .models import IdempotencyKey, PhotoUpload, UploadPiece

log = logging.getLogger(__name__)

PIECE_MAX_BYTES = 1024 * 1024  # the phone sends 256 KB; a larger piece defeats the point
OPEN_UPLOADS_MAX = 50  # unfinished uploads one user may hold: a phone's queue, not a file store
IDLE = timedelta(days=1)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class OffsetMismatch(Exception):
    """The piece does not start where the server is: the phone asks again and goes on from ``received``."""

    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


def upload_begin(*, owner, size: int, sha256: str, name: str = "") -> PhotoUpload:
    """A new upload of ``size`` bytes whose content hashes to ``sha256``; refused by field when not."""
    errors = {}
    limit = upload_limits()["IMAGE_MAX_BYTES"]
    if size <= 0:
        errors["size"] = [_("The file is empty.")]
    elif size > limit:
        errors["size"] = [
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        ]
    if not SHA256.match(sha256 or ""):
        errors["sha256"] = [_("Give the SHA-256 of the file, 64 hexadecimal digits.")]
    open_count = PhotoUpload.objects.filter(owner=owner, finished_at__isnull=True).count()
    if open_count >= OPEN_UPLOADS_MAX:
        errors["size"] = [_("Too many unfinished uploads; finish or wait for them to expire.")]
    if errors:
        raise UploadRefused(errors)
    return PhotoUpload.objects.create(owner=owner, size=size, sha256=sha256, name=(name or "")[-200:])


def upload_piece(*, upload_id, owner, offset: int, data: bytes) -> PhotoUpload:
    """Append ``data`` at ``offset``; the last piece checks the whole file. Raises ``OffsetMismatch``
    when the piece does not start where the server is (a resend of a piece it already has, say), and
    ``UploadRefused`` when the finished file is not the one declared: the upload then starts again at 0
    (a corrupted piece is not worth finding)."""
    try:
        return _piece_append(upload_id=upload_id, owner=owner, offset=offset, data=data)
    except _Restart as exc:
        with transaction.atomic():
            UploadPiece.objects.filter(upload_id=upload_id).delete()
            PhotoUpload.objects.filter(pk=upload_id).update(received=0, updated_at=timezone.now())
        raise UploadRefused({"piece": exc.messages}) from exc


class _Restart(UploadRefused):
    """The finished file is refused; raised out of the transaction so that its last piece is not kept."""


def _piece_append(*, upload_id, owner, offset: int, data: bytes) -> PhotoUpload:
    with transaction.atomic():
        upload = PhotoUpload.objects.select_for_update().get(pk=upload_id, owner=owner)
        if upload.finished_at or upload.used or offset != upload.received:
            raise OffsetMismatch(upload.received)
        if not data or len(data) > PIECE_MAX_BYTES or offset + len(data) > upload.size:
            message = _("A piece is 1 to %(max)s bytes and ends within the file.") % {"max": PIECE_MAX_BYTES}
            raise UploadRefused({"piece": [message]})
        UploadPiece.objects.create(upload=upload, offset=offset, data=data)
        upload.received = offset + len(data)
        if upload.received == upload.size:
            _finish_check(upload)
            upload.finished_at = timezone.now()
        upload.save(update_fields=["received", "finished_at", "updated_at"])
    return upload


def _finish_check(upload: PhotoUpload) -> None:
    """The whole file is here: it must hash as declared and be an image we store."""
    data = upload_content(upload)
    if content_sha256(data) != upload.sha256:
        raise _Restart(_("The file does not match its SHA-256; send it again."))
    try:
        inspect_upload(SimpleUploadedFile(upload.name or "photo", data), kind=IMAGE)
    except UploadRefused as exc:
        raise _Restart(" ".join(exc.messages)) from exc


def upload_content(upload: PhotoUpload) -> bytes:
    pieces = UploadPiece.objects.filter(upload=upload).order_by("offset").values_list("data", flat=True)
    return b"".join(bytes(p) for p in pieces)


def uploads_as_files(*, owner, ids, field: str, idempotency_key: str = "") -> list:
    """The finished uploads ``ids`` of ``owner`` as files for a report, in the order given. An upload a
    case already used is accepted only for a retry of that same report (its Idempotency-Key): the retry
    returns the first case and needs no file."""
    if not ids:
        return []
    found = {u.pk: u for u in PhotoUpload.objects.filter(owner=owner, pk__in=ids)}
    files, problems = [], []
    for upload_id in ids:
        upload = found.get(upload_id)
        if upload is None:
            problems.append(_("Upload %(id)s is unknown (expired, or not yours).") % {"id": upload_id})
        elif upload.used:
            if not (upload.case_id and _retry_of(owner, idempotency_key, upload.case_id)):
                problems.append(_("Upload %(id)s is already a photo of another report.") % {"id": upload_id})
        elif not upload.finished_at:
            problems.append(
                _("Upload %(id)s is not finished (%(received)s of %(size)s bytes).")
                % {"id": upload_id, "received": upload.received, "size": upload.size}
            )
        else:
            files.append(SimpleUploadedFile(upload.name or "photo.jpg", upload_content(upload)))
    if problems:
        raise UploadRefused({field: problems})
    return files


def _retry_of(owner, key: str, case_id: int) -> bool:
    return bool(key) and IdempotencyKey.objects.filter(user=owner, key=key, case_id=case_id).exists()


def action_arguments(data: dict, *, owner) -> tuple[dict, list]:
    """A step's validated input with its finished uploads (``photo_uploads``) turned into photos beside
    those sent whole: (the service's arguments, the upload ids to mark used once the step is done). A case's
    steps and a task's form call it alike."""
    arguments = dict(data)
    ids = arguments.pop("photo_uploads", [])
    if ids:
        found = uploads_as_files(owner=owner, ids=ids, field="photo_uploads")
        arguments["photos"] = arguments["photos"] + found
    return arguments, ids


def uploads_used(*, ids, case_id: int | None) -> int:
    """The uploads became photos of a step (of case ``case_id``, or of a task's form without a case): their
    pieces go now, their rows with the sweep."""
    if not ids:  # most reports and steps send their photos whole or none: no transaction to open
        return 0
    with transaction.atomic():
        UploadPiece.objects.filter(upload_id__in=ids).delete()
        now = timezone.now()
        return PhotoUpload.objects.filter(pk__in=ids, case__isnull=True, used_at__isnull=True).update(
            case_id=case_id, used_at=now, updated_at=now
        )


def uploads_purge(*, now=None) -> int:
    """The sweep's retention step (hourly): uploads untouched for a day, used or abandoned, with their
    pieces. A phone that comes back later starts its photo again (the server answers 404)."""
    cutoff = (now or timezone.now()) - IDLE
    deleted = PhotoUpload.objects.filter(updated_at__lt=cutoff).delete()[1].get("cases.PhotoUpload", 0)
    if deleted:
        log.info("retention: deleted %s photo uploads idle since %s", deleted, cutoff)
    return deleted

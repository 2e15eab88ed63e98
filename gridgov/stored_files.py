"""Stored files that follow the rows pointing at them, and serving them only behind an access check.

Writing. A photo is saved to storage before its row is inserted (the row stores the name the storage
chose), so a request that fails half-way (one good photo, one refused) used to leave the good one behind.
The services wrap their transaction in ``files_removed_on_failure()``: every name saved inside it
(``file_written``) is deleted when the block ends with an exception, i.e. when the transaction rolled
back. Django has no on-rollback hook; what escapes this (a rollback of an outer transaction that
swallowed the exception, a crash between save and commit) is left to the periodic sweep,
``orphan_files_remove``, which deletes files under the configured prefixes that no row's file field
names and that are older than a grace period (so an upload whose transaction is still open is never
touched).

Serving. ``stored_file_response`` is the one way a private file leaves the server, called by views that
have already checked the viewer's scope. By setting (``GRIDGOV["MEDIA_SERVE"]``) it streams the file
from Django, or hands the sending to the web server (nginx ``X-Accel-Redirect`` to an internal location,
Apache/lighttpd ``X-Sendfile``). When the storage can sign expiring URLs (django-storages' S3 backend:
``url(name, expire=...)``), it redirects to one instead. There is no public media URL.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from inspect import signature
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULTS = {
    # "django": stream from the application; "x-accel": nginx serves MEDIA_ACCEL_PREFIX + name from an
    # internal location (deploy/nginx-media.conf); "x-sendfile": the web server sends the file's path.
    "MEDIA_SERVE": "django",
    "MEDIA_ACCEL_PREFIX": "/protected-media/",
    # Lifetime of a signed URL when the storage signs them (S3-compatible object storage).
    "MEDIA_SIGNED_URL_SECONDS": 300,
    # Where the sweep looks for files no row points at; an empty list switches it off.
    "FILE_SWEEP_PREFIXES": ["cases/", "residents/imports/"],
    # Younger files are never swept: their transaction may still be open.
    "FILE_SWEEP_GRACE_HOURS": 24,
}
SERVE_MODES = ("django", "x-accel", "x-sendfile")
SWEEP_BATCH = 500  # stored names checked against the rows per query


def files_setting(name: str):
    return (settings.GRIDGOV or {}).get(name, DEFAULTS[name])


# --- Written only for a transaction that commits ------------------------------------------------------

_written: ContextVar[list | None] = ContextVar("gridgov_files_written", default=None)


@contextmanager
def files_removed_on_failure():
    """Delete the files saved inside this block (``file_written``) if it ends with an exception.

    Put it around the service's ``transaction.atomic()``: the exception that rolls the rows back also
    removes their files. Nested blocks hand their files to the enclosing one on success, so a failure
    further out still removes them.
    """
    written: list = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        _delete_quietly(written)
        raise
    finally:
        _written.reset(token)
    enclosing = _written.get()
    if enclosing is not None:
        enclosing.extend(written)


def file_written(field_file) -> None:
    """Note a file just saved, for the enclosing ``files_removed_on_failure`` (if any)."""
    written = _written.get()
    if written is not None and field_file:
        written.append((field_file.storage, field_file.name))


def _delete_quietly(written) -> None:
    for storage, name in written:
        try:
            storage.delete(name)
        except OSError:  # the sweep removes it later; the original exception is the one to report
            logger.warning("could not remove %s after a rolled-back write", name, exc_info=True)


# --- Orphans ---------------------------------------------------------------------------------------


def _file_fields():
    """(model, field name) for every file field of every installed model: the rows that own files."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def _stored_names(storage, folder: str):
    """Every file's name in the folder and the folders below it."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from _stored_names(storage, f"{folder}/{sub}")


def _batches(names, size=SWEEP_BATCH):
    batch = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _referenced(names: list[str], fields) -> set[str]:
    found: set[str] = set()
    for model, field in fields:
        rows = model._base_manager.filter(**{f"{field}__in": names})
        found.update(rows.values_list(field, flat=True))
    return found


def orphan_files_remove(*, now=None, storage=None) -> list[str]:
    """Delete stored files under the sweep prefixes that no row points at and that are past the grace
    period; return their names. Each removal is logged."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - timedelta(hours=files_setting("FILE_SWEEP_GRACE_HOURS"))
    fields = _file_fields()
    removed = []
    for prefix in files_setting("FILE_SWEEP_PREFIXES"):
        # Batched across folders: a case's folder holds a few files, a query per folder would be slow.
        for batch in _batches(_stored_names(storage, prefix.rstrip("/"))):
            kept = _referenced(batch, fields)
            for name in batch:
                if name in kept or storage.get_modified_time(name) > cutoff:
                    continue
                storage.delete(name)
                logger.info("removed orphan file %s (no row points at it)", name)
                removed.append(name)
    logger.info("orphan file sweep: %d removed", len(removed))
    return removed


# --- Serving --------------------------------------------------------------------------------------


def signed_url(field_file) -> str | None:
    """An expiring signed URL when the storage makes them (django-storages' S3 backend and the like,
    whose public ``url(name, expire=...)`` signs the query string), else None."""
    try:
        parameters = signature(field_file.storage.url).parameters
    except (TypeError, ValueError):
        return None
    if "expire" not in parameters:
        return None
    return field_file.storage.url(field_file.name, expire=files_setting("MEDIA_SIGNED_URL_SECONDS"))


def stored_file_response(
    field_file, *, content_type: str, cache_control: str = "private, max-age=3600", download: bool = False
):
    """The response that delivers a stored file; the caller has checked that the viewer may see it."""
    if not field_file:
        raise Http404
    url = signed_url(field_file)
    if url:
        response = HttpResponseRedirect(url)
        # The redirect carries a credential: no shared cache keeps it, and it is not reused past expiry.
        response["Cache-Control"] = "private, no-store"
        return response
    mode = files_setting("MEDIA_SERVE")
    if mode not in SERVE_MODES:
        raise ValueError(f'GRIDGOV["MEDIA_SERVE"] is {mode!r}; choose one of {SERVE_MODES}')
    if mode == "x-accel":
        response = HttpResponse(content_type=content_type)
        prefix = files_setting("MEDIA_ACCEL_PREFIX").rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(field_file.name)}"
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = field_file.path
    else:
        try:
            response = FileResponse(field_file.open("rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if download:
        response["Content-Disposition"] = "attachment"
    return response

"""The case list exported to xlsx in the worker (issue 21 §3; docs/domain.md §14.3).

Staff ask from the list page with its filters; the rows are counted at once and more than the cap
(``GRIDGOV["CASE_EXPORT_MAX_ROWS"]``, 100,000) are refused with a message to narrow the filter. The worker
writes the rows again as the requester sees them *then* (scope and filters applied at run time), in keyset
batches, counting its progress on the row the page polls. The file is given to the requester only and
deleted after ``CASE_EXPORT_KEEP_HOURS`` (hourly task). Columns are the list's: no reporter, phone,
address or description (personal data the list does not show stays out of the file too).
"""

import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.sheets import sheet_row, sheet_title, time_cell

from .models import Alert, CaseExport, Source
from .views.queues import case_list_rows, may_export
from .workflow import Status

BATCH = 2000  # rows read and written per step; the progress is counted after each
DEFAULT_MAX_ROWS = 100_000
DEFAULT_KEEP_HOURS = 24
COLUMNS = (
    "id",
    "number",
    "title",
    "category__name",
    "area__name",
    "area__parent__name",
    "source",
    "status",
    "alert",
    "is_supervised",
    "reported_at",
    "stage_due_at",
    "closed_at",
    "handling_department__name",
    "assignee__display_name",
    "assignee__username",
)


def max_rows() -> int:
    return int(getattr(settings, "GRIDGOV", {}).get("CASE_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def keep_hours() -> int:
    return int(getattr(settings, "GRIDGOV", {}).get("CASE_EXPORT_KEEP_HOURS", DEFAULT_KEEP_HOURS))


def export_request(*, actor, params: dict) -> CaseExport:
    """Ask for the list of ``params`` (queue and filters) as xlsx; the caller queues ``export_run`` on
    commit. Refused: not staff (PermissionDenied); a queue the user lacks or more rows than the cap
    (ValidationError by field)."""
    if not may_export(actor):
        raise PermissionDenied
    rows = case_list_rows(actor, params)
    if rows is None:
        raise ValidationError({"queue": _("There is no such list.")})
    total = rows.count()
    if total > max_rows():
        raise ValidationError(
            {
                "rows": _(
                    "The list has %(total)s cases; an export holds at most %(cap)s. Narrow the filter "
                    "(a status, a category, a shorter period) and ask again."
                )
                % {"total": f"{total:,}", "cap": f"{max_rows():,}"}
            }
        )
    clean = {k: str(v)[:200] for k, v in params.items() if v}
    return CaseExport.objects.create(requester=actor, params=clean, total=total)


class _Labels:
    """The words of one export, looked up once: a 100,000-row list would otherwise translate each row's
    source, status and time state again (docs/domain.md §14.3)."""

    def __init__(self):
        self.source = {key: str(label) for key, label in Source.choices}
        self.status = {key: str(label) for key, label in Status.choices}
        self.alert = {key: str(label) for key, label in Alert.choices}
        self.yes, self.no = _("yes"), _("no")


def _row(values, words: _Labels, sheet) -> list:
    (_id, number, title, category, area, parent, source, status, alert, supervised, reported, due, closed,
     department, display, username) = values  # fmt: skip
    # Plain values for the text cells; only the times need a cell of their own (their number format).
    return [
        number,
        title,
        category,
        f"{parent} · {area}" if parent else area,
        words.source.get(source, source),
        words.status.get(status, status),
        words.alert.get(alert, alert),
        words.yes if supervised else words.no,
        time_cell(sheet, reported),
        time_cell(sheet, due),
        time_cell(sheet, closed),
        department or "",
        display or username or "",
    ]


def _headers() -> list[str]:
    return [
        _("Number"),
        _("Title"),
        _("Category"),
        _("Area"),
        _("Source"),
        _("Status"),
        _("Time state"),
        _("Supervised"),
        _("Reported at"),
        _("Due at"),
        _("Closed at"),
        _("Handling department"),
        _("Handler"),
    ]


def export_run(export_id: int) -> CaseExport | None:
    """Write the export's rows (idempotent: a redelivered task writes it again; a finished one is left)."""
    claimed = CaseExport.objects.filter(
        pk=export_id, status__in=[CaseExport.Status.QUEUED, CaseExport.Status.RUNNING]
    ).update(status=CaseExport.Status.RUNNING, done=0)
    if not claimed:
        return None
    export = CaseExport.objects.select_related("requester").get(pk=export_id)
    try:
        body = _workbook(export)
    except Exception:
        CaseExport.objects.filter(pk=export_id).update(
            status=CaseExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    name = default_storage.save(f"cases/exports/{export.pk}-{secrets.token_hex(8)}.xlsx", ContentFile(body))
    CaseExport.objects.filter(pk=export_id).update(
        status=CaseExport.Status.DONE,
        file=name,
        finished_at=now,
        expires_at=now + timedelta(hours=keep_hours()),
    )
    export.refresh_from_db()
    return export


def _workbook(export: CaseExport) -> bytes:
    rows = case_list_rows(export.requester, export.params)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    sheet_title(sheet, _("Case list"), generated_at=timezone.now())
    sheet_row(sheet, _headers())
    written, after = 0, None
    cap, words = max_rows(), _Labels()
    while rows is not None and written < cap:
        batch = rows if after is None else rows.filter(id__lt=after)
        values = list(batch.values_list(*COLUMNS)[: min(BATCH, cap - written)])
        if not values:
            break
        for v in values:
            sheet.append(_row(v, words, sheet))
        written += len(values)
        after = values[-1][0]
        CaseExport.objects.filter(pk=export.pk).update(done=written)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def exports_expire(*, now=None) -> int:
    """Delete the files kept past their time (the rows stay, marked expired); returns how many."""
    now = now or timezone.now()
    gone = 0
    for export in CaseExport.objects.filter(expires_at__lte=now).exclude(file="").order_by("id")[:500]:
        default_storage.delete(export.file.name)
        CaseExport.objects.filter(pk=export.pk).update(file="", status=CaseExport.Status.EXPIRED)
        gone += 1
    return gone

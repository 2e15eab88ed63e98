"""A task's results as an Excel workbook: one sheet of grids (status, progress), one of the filled forms (a
column per form field, list keys as their names), written as rows stream from the database."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.extra_fields import display_extra
from worktime.calendar.schedule import local

from .models import Assignment, TaskResult


class _Fields:
    def __init__(self, fields):
        self.fields = fields


def task_xlsx(task, assignments) -> bytes:
    """``assignments``: the task's assignments the reader may see (a scoped queryset)."""
    book = Workbook(write_only=True)
    grids = book.create_sheet(_("Grids"))
    header = [
        _("Grid code"),
        _("Grid"),
        _("Status"),
        _("Objects"),
        _("Done"),
        _("Submitted at"),
        _("Accepted at"),
    ]
    grids.append(header)
    statuses = dict(Assignment.Status.choices)
    ids = []
    for a in assignments.select_related("area").order_by("area_code").iterator(chunk_size=2000):
        ids.append(a.pk)
        grids.append(
            [
                a.area_code,
                a.area.name,
                str(statuses.get(a.status, a.status)),
                a.targets_total,
                a.targets_done,
                _local(a.submitted_at),
                _local(a.accepted_at),
            ]
        )
    forms = book.create_sheet(_("Forms"))
    specs = task.fields or []
    forms.append(
        [
            _("Grid code"),
            _("Object"),
            _("Worker"),
            _("Filled at"),
            *[s["label"] for s in specs],
            _("Note"),
            _("Case"),
        ]
    )
    shape = _Fields(specs)
    results = (
        TaskResult.objects.filter(assignment_id__in=ids)
        .select_related("assignment", "target", "worker", "case")
        .order_by("assignment__area_code", "id")
    )
    for r in results.iterator(chunk_size=2000):
        shown = dict(display_extra(shape, r.values))
        forms.append(
            [
                r.assignment.area_code,
                r.target.label if r.target else "",
                str(r.worker),
                _local(r.created_at),
                *[shown.get(s["label"], "") for s in specs],
                r.note,
                r.case.number if r.case else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _local(moment):
    if moment is None:
        return ""
    return local(moment).strftime("%Y-%m-%d %H:%M")

"""Export of the register of a grid or community: masked unless the exporter may unmask; always logged.

A masked export carries the birth year, not the birth date: the date is the ID number's middle 8 digits.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.sheets import BOLD, sheet_row, sheet_title
from grids.models import Area, Level

from . import access, crypto, selectors, services
from .models import Person

EXPORTABLE_LEVELS = {Level.COMMUNITY, Level.GRID, Level.MICROGRID}


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def _headers(unmasked: bool):
    return [
        _("Grid"),
        _("Household number"),
        _("Address"),
        _("Name"),
        _("ID type"),
        _("ID number"),
        _("Gender"),
        _("Birth date") if unmasked else _("Birth year"),
        _("Ethnicity"),
        _("Residence type"),
        _("Household relation"),
        _("Phone"),
        _("Status"),
        _("Groups"),
    ]


def _row(person: Person, unmasked: bool):
    id_number = crypto.decrypt(person.id_cipher) if unmasked else person.id_mask
    phone = crypto.decrypt(person.phone_cipher) if unmasked else person.phone_mask
    household = person.household
    return [
        person.area.code,
        household.number if household else "",
        household.address if household else "",
        person.name,
        person.get_id_type_display(),
        id_number,
        person.get_gender_display(),
        _birth(person, unmasked),
        person.ethnicity,
        person.get_residence_type_display(),
        person.get_relation_display(),
        phone,
        person.get_status_display(),
        "；".join(link.tag.label for link in person.visible_tags),
    ]


def _birth(person: Person, unmasked: bool):
    if not person.birth_date:
        return ""
    return person.birth_date if unmasked else person.birth_date.year  # a date cell in Excel


@transaction.atomic
def register_export(
    *, actor, area: Area, format="csv", unmasked=False, reason="", remote_addr=None
) -> ExportFile:
    if area.level not in EXPORTABLE_LEVELS:
        raise ValidationError({"area": _("Export the register of a community or a grid.")})
    if not access.can_export(actor, area.code):
        raise PermissionDenied(_("You may not export the register of this area."))
    if unmasked and not access.can_unmask(actor, area.code):
        raise PermissionDenied(_("You may not export full personal numbers."))
    persons = list(
        selectors.person_list(actor, area_code=area.code).order_by("area__code", "household__number", "id")
    )
    fields = ["name", "id_number", "phone", "birth_date" if unmasked else "birth_year", "groups"]
    services.export_log(
        actor=actor,
        area=area,
        count=len(persons),
        fields=fields,
        unmasked=unmasked,
        reason=reason or _("Register export"),
        remote_addr=remote_addr,
    )
    rows = [_row(p, unmasked) for p in persons]
    headers = _headers(unmasked)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"register-{area.code}-{stamp}{'-full' if unmasked else ''}"
    if format == "xlsx":
        return ExportFile(
            f"{name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx(headers, rows, area),
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    # BOM: Excel on Chinese Windows opens UTF-8 CSV correctly only with it.
    return ExportFile(f"{name}.csv", "text/csv; charset=utf-8", ("\ufeff" + buffer.getvalue()).encode())


def _xlsx(headers, rows, area) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Register"))
    sheet_title(sheet, _("Register"), scope=area.name, generated_at=timezone.now())
    sheet_row(sheet, headers, font=BOLD)
    for row in rows:
        sheet_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""A month's grid-day coverage as an Excel workbook through gridgov/sheets.py (title row, date cells)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.sheets import BOLD, sheet_row, sheet_title


def coverage_xlsx(data: dict) -> bytes:
    """``data``: ``selectors.coverage`` for the reader (already scoped)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Grid days"))
    sheet_title(
        sheet,
        _("Grid day coverage %(month)s") % {"month": data["month"]},
        scope=_("grids %(grids)s, scheduled %(scheduled)s, held %(held)s, cadres on site %(cadres)s") % data,
        generated_at=timezone.now(),
    )
    sheet_row(
        sheet,
        [
            _("Grid code"),
            _("Grid"),
            _("Community"),
            _("Grid day"),
            _("Cadres assigned"),
            _("Cadres on site"),
            _("Who came"),
            _("Cases raised"),
            _("Held"),
        ],
        font=BOLD,
    )
    for r in data["rows"]:
        sheet_row(
            sheet,
            [
                r["grid_code"],
                r["grid"],
                r["community"],
                r["day"],
                r["assigned"],
                len(r["came"]),
                "、".join(r["came"]),
                "、".join(r["findings"]),
                _("Yes") if r["held"] else _("No"),
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

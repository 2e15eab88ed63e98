"""Exports of a report dict (live or published): Excel (figures sheet + definitions sheet) and CSV."""

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from gridgov.sheets import BOLD, Percent, parse_time, sheet_row, sheet_title

from .figures import (
    AREA_FIGURES,
    CATEGORY_FIGURES,
    DEFAULT_WEIGHTS,
    FIGURES,
    GRADES,
    HOTLINE_FIGURES,
    OUTSIDE_COMPONENTS,
    PARTS,
    UNIT_FIGURES,
    WORKER_FIGURES,
    weights,
)

LEVEL_LABELS = {
    "district": gettext_lazy("Districts"),
    "street": gettext_lazy("Streets"),
    "community": gettext_lazy("Communities"),
    "grid": gettext_lazy("Grids"),
}

# What the name column of each table holds: its row is a unit, a grid, a person… (never 姓名 for units).
NAME_HEADERS = {
    "": gettext_lazy("Scope"),
    "district": gettext_lazy("District"),
    "street": gettext_lazy("Street"),
    "community": gettext_lazy("Community"),
    "grid": gettext_lazy("Grid"),
    "units": gettext_lazy("Handling unit"),
    "workers": gettext_lazy("Grid worker"),
    "category": gettext_lazy("Category"),
    "categories": gettext_lazy("Category"),
    "hotline_types": gettext_lazy("Request type"),
    "request_type": gettext_lazy("Request type"),
}


def tables(data):
    """(title, figure keys, rows) for every table of a report dict, in reading order."""
    out = [(_("Total"), AREA_FIGURES, [{**data["total"], "name": _("Total")}], "")]
    for level, rows in data["areas"].items():
        out.append((str(LEVEL_LABELS.get(level, level)), AREA_FIGURES, rows, level))
    out.append((_("Handling units"), UNIT_FIGURES, data["units"], "units"))
    out.append((_("Grid workers"), WORKER_FIGURES, data["workers"], "workers"))
    out.append((_("Categories"), CATEGORY_FIGURES, data["categories"], "category"))
    # Published before request types were kept: no such table.
    if data.get("hotline_types"):
        out.append((_("12345 by request type"), HOTLINE_FIGURES, data["hotline_types"], "hotline_types"))
    return out


def _header(keys, group=""):
    name = str(NAME_HEADERS.get(group, pgettext("column", "Name")))
    return [_("Code"), name, *[str(FIGURES[k].label) for k in keys], _("Score"), _("Grade"), _("Rank")]


def _value(row, key):
    value = row["figures"].get(key, {}).get("value")
    return Percent(value) if FIGURES[key].kind == "rate" else value


def _cells(row, keys):
    return [
        row.get("key", ""),
        row.get("name", ""),
        *[_value(row, k) for k in keys],
        row.get("score"),
        row.get("grade", ""),
        row.get("rank"),
    ]


def xlsx(data, scope="") -> bytes:
    """The figures sheet: a title row with the scope and period, then every table (rates as percentages)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    params = data.get("params", {})
    sheet_title(
        sheet,
        _("Assessment report"),
        scope=scope,
        start=params.get("start"),
        end=params.get("end"),
        generated_at=data.get("generated_at"),
    )
    as_of = parse_time(params.get("as_of"))
    if as_of:
        sheet_row(sheet, [_("As of"), as_of])
    bold = BOLD
    for title, keys, rows, group in tables(data):
        sheet.append([])
        sheet_row(sheet, [title], font=bold)
        sheet_row(sheet, _header(keys, group), font=bold)
        for row in rows:
            sheet_row(sheet, _cells(row, keys))
    for column in range(1, 4):
        sheet.column_dimensions[get_column_letter(column)].width = 22
    _definitions(book.create_sheet(_("Definitions")[:31]), bold)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _definitions(sheet, bold):
    sheet.append([_("Figure"), _("Key"), _("Definition"), _("Formula"), _("Numerator"), _("Denominator")])
    for cell in sheet[1]:
        cell.font = bold
    for f in FIGURES.values():
        numerator = " + ".join(
            f"{w} × {PARTS[p].label}" if w != 1 else str(PARTS[p].label) for p, w in f.numerator
        )
        sheet.append(
            [
                str(f.label),
                f.key,
                str(f.definition),
                str(f.formula),
                numerator,
                str(PARTS[f.denominator].label) if f.denominator else "",
            ]
        )
    sheet.append([])
    sheet.append([_('Composite scores (weights in configuration: GRIDGOV["ASSESSMENT_WEIGHTS"])')])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for kind in DEFAULT_WEIGHTS:
        parts = ", ".join(f"{_component(c)} {w}" for c, w in weights(kind).items())
        sheet.append(
            [
                kind,
                parts,
                _(
                    "Σ weight × value / Σ weight over the components that have a value; "
                    "'100 −' components count lower as better; volume = dispatched / busiest unit."
                ),
            ]
        )
    sheet.append(
        [_("Grades"), ", ".join(f"{letter} ≥ {floor}" for letter, floor in GRADES[:-1]) + ", E " + _("below")]
    )
    for column, width in zip("ABCDEF", (22, 26, 80, 40, 40, 30)):
        sheet.column_dimensions[column].width = width


def _component(key):
    if key == "volume":
        return _("volume")
    if key in OUTSIDE_COMPONENTS:
        return str(OUTSIDE_COMPONENTS[key])
    if key.startswith("-"):
        return "100 − " + str(FIGURES[key[1:]].label)
    return str(FIGURES[key].label)


def csv_text(data) -> str:
    """Long format: one line per (table, row, figure) with the value and its numerator and denominator."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["table", "code", "name", "figure", "value", "numerator", "denominator", "score", "grade", "rank"]
    )
    for title, keys, rows, _group in tables(data):
        for row in rows:
            for key in keys:
                fig = row["figures"].get(key, {})
                writer.writerow(
                    [
                        title,
                        row.get("key", ""),
                        row.get("name", ""),
                        key,
                        _blank(fig.get("value")),
                        _blank(fig.get("num")),
                        _blank(fig.get("den")),
                        _blank(row.get("score")),
                        row.get("grade", ""),
                        _blank(row.get("rank")),
                    ]
                )
    return out.getvalue()


def _blank(value):
    return "" if value is None else value

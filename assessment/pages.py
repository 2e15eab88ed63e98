"""What the report pages render: the headline figures, then one table of the report at a time.

A report dict (live or published) has every table; a page shows the whole scope's headline figures first,
then the table the level selector chose (streets, communities, grids, the 12345 hotline, handling units,
grid workers or categories), sorted by the column asked for and cut into pages on the server, every
number a link to the cases behind it. The figures are the report's own (``report.report``): sorting and
paging only choose which computed rows a page shows. The exports keep every table.
"""

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .export import LEVEL_LABELS, NAME_HEADERS
from .figures import (
    AREA_FIGURES,
    CATEGORY_FIGURES,
    FIGURES,
    HOTLINE_FIGURES,
    TREND_FIGURES,
    UNIT_FIGURES,
    WORKER_FIGURES,
)
from .selectors import parent_names

# The columns a page shows per table (the exports and the API carry every figure).
PAGE_AREA_FIGURES = [
    "due_for_closing",
    "closure_rate",
    "on_time_closure_rate",
    "on_time_filing_rate",
    "on_time_dispatch_rate",
    "dispatch_accuracy",
    "on_time_handling_rate",
    "rework_rate",
    "mean_handling_hours",
    "overdue_open",
    "self_handled",
    "missed_report_rate",
    "satisfaction_rate",
    "whistle_on_time_rate",
]
# The whole scope's figures the first screen says, in this order (the rest are one click below them).
HEADLINE_FIGURES = [
    "due_for_closing",
    "on_time_closure_rate",
    "closure_rate",
    "overdue_open",
    "on_time_handling_rate",
    "satisfaction_rate",
]
PAGE_ROWS = 25

# The tables besides the area levels: (tab, title, report dict key, figures, scored).
OTHER_TABS = [
    ("hotline", _("12345 hotline"), "", HOTLINE_FIGURES, True),
    ("units", _("Handling units"), "units", UNIT_FIGURES, True),
    ("workers", _("Grid workers"), "workers", WORKER_FIGURES, True),
    ("categories", _("Categories"), "categories", CATEGORY_FIGURES, False),
    ("hotline_types", _("12345 by request type"), "hotline_types", HOTLINE_FIGURES, True),
]
# The heading of the name column, per table (areas for the levels and the hotline).
TAB_KEYS = [key for key, *_rest in OTHER_TABS]
# Clicking a column sorts it this way first: ranks and names from the top, figures and scores largest first.
ASCENDING_FIRST = {"rank", "name"}


def _link(query, part, group, key):
    return reverse("assessment:cases") + "?" + urlencode({**query, "part": part, "group": group, "key": key})


def cell(fig, figure_key, query, group, key):
    """One figure of one row: the value and the links to the cases behind its numerator and denominator."""
    f = FIGURES[figure_key]
    fig = fig or {}
    nums = [(part, weight) for part, weight in f.numerator]
    return {
        "key": figure_key,
        "label": f.label,
        "formula": f.formula,
        "value": fig.get("value"),
        "unit": f.unit,
        "kind": f.kind,
        "num": fig.get("num"),
        "den": fig.get("den"),
        "num_links": [
            (weight, count, _link(query, part, group, key))
            for (part, weight), count in zip(nums, fig.get("parts") or [fig.get("num")])
        ],
        "den_link": _link(query, f.denominator, group, key) if f.denominator else "",
    }


def table(title, group, rows, figure_keys, query, *, scored=True, extra_columns=()):
    return {
        "title": title,
        "group": group,
        "name_header": NAME_HEADERS.get(group, pgettext_lazy("column", "Name")),
        "scored": scored,
        "extra_columns": extra_columns,
        "headers": [(k, FIGURES[k].label, FIGURES[k].formula) for k in figure_keys],
        "rows": [
            {
                **row,
                "cells": [
                    cell(row["figures"].get(k), k, query, _group_of(group, row, k), _key_of(group, row, k))
                    for k in figure_keys
                ],
            }
            for row in rows
        ],
    }


# A grid worker's figures come from different groupings: their reports, their verifications, their grids.
WORKER_GROUP = {
    "valid_report_rate": "reporter",
    "self_handled": "reporter",
    "verification_on_time_rate": "verifier",
    "missed_report_rate": "worker_grids",
}


def _group_of(group, row, figure_key):
    if group == "units":
        return "department" if row.get("unit") == "department" else "team"
    if group == "workers":
        return WORKER_GROUP[figure_key]
    return group


def _key_of(group, row, figure_key):
    if group == "workers" and WORKER_GROUP[figure_key] == "worker_grids":
        return ",".join(row.get("grids", []))
    return row.get("key", "")


# --- One table at a time ---------------------------------------------------------------------------


def tab_of(value) -> str:
    """The non-area table asked for ("" for the chosen area level's)."""
    return value if value in TAB_KEYS else ""


def _tab_table(data, tab, level):
    """(title, group, rows, figure keys, scored) of the tab: a level's areas or one of the other tables."""
    areas = data["areas"].get(level, [])
    if not tab:
        return LEVEL_LABELS.get(level, level), level, areas, PAGE_AREA_FIGURES, True
    key, title, source, figure_keys, scored = next(t for t in OTHER_TABS if t[0] == tab)
    if tab == "hotline":
        rows = [
            {**r, "score": r.get("hotline_score"), "grade": r.get("hotline_grade"), "rank": None}
            for r in areas
        ]
        return f"{title} · {LEVEL_LABELS.get(level, level)}", level, rows, figure_keys, scored
    return title, key, data[source], figure_keys, scored


def _natural(text):
    """Names with numbers in them in reading order: 网格2 before 网格10."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text)) if p]


def _sort_value(row, column):
    if column == "name":
        return _natural(row.get("name") or "")
    if column in ("rank", "score"):
        return row.get(column)
    return (row["figures"].get(column) or {}).get("value")


def parse_sort(value, columns, default):
    """(column, descending) from ``sort``: a column key, "-" first for largest first; unknown: ``default``."""
    value = str(value or "")
    column, descending = (value[1:], True) if value.startswith("-") else (value, False)
    return (column, descending) if column in columns else default


def sort_rows(rows, column, descending):
    """The computed rows by one column; rows without a value (no cases behind it) always last."""
    present = [r for r in rows if _sort_value(r, column) is not None]
    missing = [r for r in rows if _sort_value(r, column) is None]
    present.sort(key=lambda r: _sort_value(r, column), reverse=descending)
    return present + missing


def report_view(data, query, *, level, levels, args, link):
    """Everything the report page shows for one report dict.

    ``args`` are the page's GET arguments (``tab``, ``sort``, ``page``); ``link(**changes)`` gives the
    same page's URL with some arguments changed (None drops one). ``levels`` are the area levels the
    selector offers; the drill-down links carry ``query`` and the tab (so "back" returns to it)."""
    tab = tab_of(args.get("tab"))
    title, group, rows, figure_keys, scored = _tab_table(data, tab, level)
    # The hotline tables have scores and grades, not ranks.
    ranked = scored and tab not in ("hotline", "hotline_types")
    columns = ["name", *figure_keys, *(["score"] if scored else []), *(["rank"] if ranked else [])]
    default = ("rank", False) if ranked else ("score", True) if scored else ("name", False)
    column, descending = parse_sort(args.get("sort"), columns, default)
    page = Paginator(sort_rows(rows, column, descending), PAGE_ROWS).get_page(args.get("page"))
    drill_query = {**query, "tab": tab} if tab else query
    shown = table(title, group, list(page), figure_keys, drill_query, scored=scored)
    shown["ranked"] = ranked
    if tab in ("", "hotline") and level in ("community", "grid"):  # names repeat: say where each lies
        within = parent_names([row["key"] for row in shown["rows"]])
        for row in shown["rows"]:
            row["within"] = within.get(row["key"], "")
    shown["sort"] = {
        key: _sort_link(link, key, column, descending)
        for key in ["rank", "name", "score", *figure_keys]
        if key in columns
    }
    shown["headers"] = [(k, label, formula, shown["sort"][k]) for k, label, formula in shown["headers"]]
    return {
        "tab": tab,
        "level": level,
        "headline": headline(data["total"], query),
        "total_cells": [
            cell(data["total"]["figures"].get(k), k, query, "", "")
            for k in PAGE_AREA_FIGURES + HOTLINE_FIGURES
        ],
        "tabs": tabs(level, tab, levels, link),
        "table": shown,
        "page": page,
        "pages": _pages(page, link),
        "charts": chart_data(data, shown["rows"] if scored else []),
    }


def _sort_link(link, key, column, descending):
    """The header's link (sort by this column; again: the other way) and its aria-sort state."""
    if key == column:
        state = "descending" if descending else "ascending"
        arg = key if descending else f"-{key}"
    else:
        state = ""
        arg = key if key in ASCENDING_FIRST else f"-{key}"
    return {"url": link(sort=arg, page=None), "state": state}


def tabs(level, tab, levels, link):
    """The level selector: every area level, then the other tables, each a plain link."""
    out = [
        {
            "key": lv,
            "label": LEVEL_LABELS.get(lv, lv),
            "url": link(level=lv, tab=None, sort=None, page=None),
            "current": not tab and lv == level,
        }
        for lv in levels
    ]
    out += [
        {
            "key": key,
            "label": title,
            "url": link(level=level, tab=key, sort=None, page=None),
            "current": tab == key,
        }
        for key, title, *_rest in OTHER_TABS
    ]
    return out


def _pages(page, link):
    """Previous / next and a few page numbers around this one (1 … 4 5 [6] 7 8 … 12)."""
    paginator = page.paginator
    numbers = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "previous": link(page=page.previous_page_number()) if page.has_previous() else "",
        "next": link(page=page.next_page_number()) if page.has_next() else "",
        "numbers": [
            {"n": n, "url": link(page=n) if isinstance(n, int) else "", "current": n == page.number}
            for n in numbers
        ],
        "first_row": page.start_index(),
        "last_row": page.end_index(),
        "rows": paginator.count,
    }


def headline(total, query):
    """The whole scope's composite score and headline figures, each number a link to its cases."""
    return {
        "score": total.get("score"),
        "grade": total.get("grade"),
        "cells": [cell(total["figures"].get(k), k, query, "", "") for k in HEADLINE_FIGURES],
    }


def chart_data(data, rows):
    """JSON for the charts: the trend lines and the composite scores of the rows on the page."""
    return {
        "trend": {
            "labels": [f"{m['month'] // 100}-{m['month'] % 100:02d}" for m in data.get("trend", [])],
            "series": [
                {
                    "label": str(FIGURES[k].label),
                    "data": [m["figures"][k]["value"] for m in data.get("trend", [])],
                }
                for k in TREND_FIGURES
            ],
        },
        "scores": {
            "labels": [" ".join(filter(None, [str(r["name"]), r.get("within", "")])) for r in rows],
            "data": [r["score"] for r in rows],
            "label": str(_("Composite score")),
        },
    }


__all__ = ["AREA_FIGURES", "chart_data", "report_view"]

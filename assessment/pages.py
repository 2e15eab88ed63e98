"""What the report pages render: a report dict turned into tables of cells, each number a drill-down link."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .export import LEVEL_LABELS, NAME_HEADERS
from .figures import AREA_FIGURES, CATEGORY_FIGURES, FIGURES, TREND_FIGURES, UNIT_FIGURES, WORKER_FIGURES

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
HOTLINE_FIGURES = ["hotline_response_rate", "hotline_solution_rate", "hotline_satisfaction_rate"]


def _link(query, part, group, key):
    return reverse("assessment:cases") + "?" + urlencode({**query, "part": part, "group": group, "key": key})


def cell(fig, figure_key, query, group, key):
    """One figure of one row: the value and the links to the cases behind its numerator and denominator."""
    f = FIGURES[figure_key]
    fig = fig or {}
    nums = [(part, weight) for part, weight in f.numerator]
    return {
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
        "name_header": NAME_HEADERS.get(group, _("Name")),
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


def report_tables(data, query, level=None):
    """The page's tables for a report dict: the chosen area level, hotline, units, workers, categories."""
    levels = [level] if level else list(data["areas"])
    out = [
        table(
            _("Whole scope"),
            "",
            [{**data["total"], "name": _("Total")}],
            PAGE_AREA_FIGURES,
            query,
            scored=True,
        )
    ]
    for lv in levels:
        rows = data["areas"].get(lv, [])
        out.append(table(LEVEL_LABELS.get(lv, lv), lv, rows, PAGE_AREA_FIGURES, query))
        out.append(
            table(
                _("12345 hotline") + " · " + str(LEVEL_LABELS.get(lv, lv)),
                lv,
                [
                    {**r, "score": r.get("hotline_score"), "grade": r.get("hotline_grade"), "rank": None}
                    for r in rows
                ],
                HOTLINE_FIGURES,
                query,
            )
        )
    out.append(table(_("Handling units"), "units", data["units"], UNIT_FIGURES, query))
    out.append(table(_("Grid workers"), "workers", data["workers"], WORKER_FIGURES, query))
    out.append(table(_("Categories"), "category", data["categories"], CATEGORY_FIGURES, query, scored=False))
    return out


def chart_data(data, level):
    """JSON for the charts: the trend lines and the chosen level's scores."""
    rows = data["areas"].get(level, [])
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
            "labels": [r["name"] for r in rows],
            "data": [r["score"] for r in rows],
            "label": str(_("Composite score")),
        },
    }


__all__ = ["AREA_FIGURES", "chart_data", "report_tables"]

"""The centre's report, computed in the database: one conditional-aggregate GROUP BY per table.

``report(user, params)`` returns a JSON-ready dict: for each table (areas at every level, handling units,
grid workers, categories) its rows with every figure's value and parts, composite score, grade and rank,
plus the totals and a month-by-month trend. The same dict is what the page renders, the exports write,
the API returns and a published snapshot keeps.
"""

from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from cases.models import Category
from dispatch.models import Department
from grids.models import Area, Membership, Role
from grids.scope import reach

from .figures import (AREA_FIGURES, CATEGORY_FIGURES, FIGURES, PARTS, TREND_FIGURES, UNIT_FIGURES, WORKER_FIGURES,
                      composite, grade)
from .records import month_bounds
from .selectors import AREA_LEVELS, GROUPS, LEVEL_FIELD, ReportParams, records, whistle_calls

RECORD_PARTS = [p for p in PARTS.values() if p.model == "record"]
WHISTLE_PARTS = [p for p in PARTS.values() if p.model == "whistle"]
WORKER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER]
TREND_MONTHS = 12


def _aggregates(parts, as_of):
    aggs = {p.key: Count("pk", filter=p.q(as_of)) for p in parts}
    if any(p.key == "handled" for p in parts):
        aggs["handled_seconds"] = Sum("handling_seconds", filter=PARTS["handled"].q(as_of))
    return aggs


def part_counts(qs, group_field, as_of, parts=None):
    """{group key: {part key: count}} from one GROUP BY (``group_field`` None: one total row)."""
    aggs = _aggregates(parts or RECORD_PARTS, as_of)
    if group_field is None:
        return {"": qs.aggregate(**aggs)}
    rows = qs.values(group_field).order_by().annotate(**aggs)
    return {_key(row.pop(group_field)): row for row in rows}


def _whistle_counts(qs, group, as_of):
    aggs = _aggregates(WHISTLE_PARTS, as_of)
    if group is None:
        return {"": qs.aggregate(**aggs)}
    if group in AREA_LEVELS:
        expr = Substr("whistle__case__area_code", 1, GROUPS[group][1])
        rows = qs.annotate(g=expr).values("g").order_by().annotate(**aggs)
    elif group == "department":
        rows = qs.values("department_id").order_by().annotate(**aggs)
        return {_key(row.pop("department_id")): row for row in rows}
    else:
        return {}
    return {_key(row.pop("g")): row for row in rows}


def _key(value):
    return "" if value is None else str(value)


def figure_values(counts: dict, keys) -> dict:
    """{figure key: {"value", "num", "den"}} from one row's part counts."""
    out = {}
    for key in keys:
        f = FIGURES[key]
        num = sum(weight * (counts.get(part) or 0) for part, weight in f.numerator)
        num = round(num, 2) if isinstance(num, float) else num
        if f.kind == "count":
            out[key] = {"value": num, "num": num, "den": None}
        elif f.kind == "mean":
            seconds = counts.get("handled_seconds") or 0
            out[key] = {"value": round(seconds / num / 3600, 2) if num else None, "num": num, "den": None}
        else:
            den = counts.get(f.denominator) or 0
            out[key] = {"value": round(num * 100 / den, 2) if den else None, "num": num, "den": den}
            if len(f.numerator) > 1:  # a weighted numerator: its parts' own counts, for the links
                out[key]["parts"] = [counts.get(part) or 0 for part, _w in f.numerator]
    return out


def _values(figs):
    return {key: fig["value"] for key, fig in figs.items()}


def _rank(rows):
    """Competition ranking by score (1, 2, 2, 4); rows without a score get no rank."""
    scored = sorted((r for r in rows if r["score"] is not None), key=lambda r: -r["score"])
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    for row in rows:
        row.setdefault("rank", None)
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["key"]))
    return rows


def _row(key, name, counts, figure_keys, kind, volume_share=None, extra=None):
    figs = figure_values(counts, figure_keys)
    score = composite(_values(figs), kind, volume_share)
    row = {"key": key, "name": name, "figures": figs, "score": score, "grade": grade(score)}
    if kind == "area":
        hotline = composite(_values(figure_values(counts, ["hotline_response_rate", "hotline_solution_rate",
                                                           "hotline_satisfaction_rate"])), "hotline")
        row["hotline_score"], row["hotline_grade"] = hotline, grade(hotline)
    row.update(extra or {})
    return row


def _merge(a: dict, b: dict) -> dict:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = (merged.get(key) or 0) + (value or 0)
    return merged


# --- Tables ----------------------------------------------------------------------------------------

def area_table(qs, whistles, level, as_of):
    counts = part_counts(qs, LEVEL_FIELD[level], as_of)
    whistle = _whistle_counts(whistles, level, as_of)
    names = dict(Area.objects.filter(code__in=set(counts) | set(whistle)).values_list("code", "name"))
    rows = [_row(code, names.get(code, code), {**counts.get(code, {}), **whistle.get(code, {})}, AREA_FIGURES, "area")
            for code in sorted(set(counts) | set(whistle))]
    return _rank(rows)


def unit_table(qs, whistles, as_of):
    """Handling units: departments (with their whistle arrivals) and grid / community teams."""
    departments = {k: v for k, v in part_counts(qs, "department_id", as_of).items() if k}
    whistle = _whistle_counts(whistles, "department", as_of)
    teams = {k: v for k, v in part_counts(qs, "team_code", as_of).items() if k}
    dept_names = dict(Department.objects.filter(pk__in=set(departments) | set(whistle)).values_list("pk", "name"))
    team_names = dict(Area.objects.filter(code__in=teams).values_list("code", "name"))
    volume = max([c.get("dispatched") or 0 for c in [*departments.values(), *teams.values()]] or [0])

    def share(counts):
        return round((counts.get("dispatched") or 0) * 100 / volume, 2) if volume else None

    rows = []
    for pk in sorted(set(departments) | set(whistle), key=int):
        counts = {**departments.get(pk, {}), **whistle.get(pk, {})}
        rows.append(_row(pk, dept_names.get(int(pk), pk), counts, UNIT_FIGURES, "department", share(counts),
                         {"unit": "department", "volume": counts.get("dispatched") or 0}))
    for code in sorted(teams):
        rows.append(_row(code, team_names.get(code, code), teams[code], UNIT_FIGURES, "department",
                         share(teams[code]), {"unit": "team", "volume": teams[code].get("dispatched") or 0}))
    return _rank(rows)


def worker_table(qs, user, as_of, grid_counts):
    """Grid workers as supervisors: their reports (by reporter), their verifications (by verifier) and the
    missed reports of the grids they work in."""
    reported = part_counts(qs, "reporter_id", as_of, [PARTS[k] for k in ("reported", "filed", "self_handled")])
    verified = part_counts(qs, "verifier_id", as_of, [PARTS[k] for k in ("verified", "verified_on_time")])
    ids = {int(k) for k in set(reported) | set(verified) if k}
    if _only_own_row(user):
        ids &= {user.pk}
    grids_of, names = {}, {}
    memberships = Membership.objects.filter(user_id__in=ids, role__in=WORKER_ROLES, is_active=True).values_list(
        "user_id", "area__code", "user__display_name", "user__username")
    for user_id, code, display, username in memberships:
        grids_of.setdefault(user_id, []).append(code)
        names[user_id] = display or username
    rows = []
    for user_id in sorted(grids_of):
        counts = _merge(reported.get(str(user_id), {}), verified.get(str(user_id), {}))
        grids = sorted(grids_of[user_id])
        for code in grids:
            grid = grid_counts.get(code[:15], {})
            counts = _merge(counts, {"public_first": grid.get("public_first"), "grid_filed": grid.get("filed")})
        figs = figure_values({**counts, "filed": counts.get("filed")}, WORKER_FIGURES)
        # The missed-report rate is over the filed cases of the worker's grids, not the worker's own.
        missed = figure_values({"public_first": counts.get("public_first"), "filed": counts.get("grid_filed")},
                               ["missed_report_rate"])
        figs.update(missed)
        score = composite(_values(figs), "worker")
        rows.append({"key": str(user_id), "name": names[user_id], "grids": grids, "figures": figs,
                     "score": score, "grade": grade(score)})
    return _rank(rows)


def _only_own_row(user) -> bool:
    """Grid workers see their own row; leaders and staff see their teams'."""
    r = reach(user)
    if r.is_superuser:
        return False
    return set(r.codes_by_role) <= {Role.GRID_WORKER}


def category_table(qs, as_of):
    counts = part_counts(qs, "major_id", as_of)
    names = {str(pk): f"{code} {name}" for pk, code, name in
             Category.objects.filter(pk__in=[int(k) for k in counts if k]).values_list("pk", "code", "name")}
    rows = [_row(k, names.get(k, k), counts[k], CATEGORY_FIGURES, "area") for k in sorted(counts, key=names.get)]
    for row in rows:
        row.pop("hotline_score", None), row.pop("hotline_grade", None)
    return rows


def trend(user, params: ReportParams):
    """Month by month over the twelve months ending with the report's period (one GROUP BY)."""
    local = timezone.localtime(params.start)
    index = local.year * 12 + local.month - 1 - (TREND_MONTHS - 1)
    first, _end = month_bounds((index // 12) * 100 + index % 12 + 1)
    window = ReportParams(start=first, end=params.end, as_of=params.as_of, level=params.level, area=params.area,
                          department=params.department, category=params.category)
    parts = {PARTS[p] for key in TREND_FIGURES for p in FIGURES[key].part_keys() if p}
    counts = part_counts(records(user, window), "period_month", params.as_of, list(parts))
    return [{"month": int(month), "figures": figure_values(counts[month], TREND_FIGURES)} for month in sorted(counts)]


def report(user, params: ReportParams, *, levels=None, with_trend=True) -> dict:
    """The whole report for ``user`` (scoped) and ``params``: every table, totals, trend."""
    qs, whistles = records(user, params), whistle_calls(user, params)
    as_of = params.as_of
    levels = levels or AREA_LEVELS
    tables = {level: area_table(qs, whistles, level, as_of) for level in levels}
    grid_counts = part_counts(qs, "grid_code", as_of, [PARTS["public_first"], PARTS["filed"]])
    total_counts = {**part_counts(qs, None, as_of)[""], **_whistle_counts(whistles, None, as_of)[""]}
    data = {
        "params": params.describe(),
        "generated_at": timezone.now().isoformat(),
        "total": _row("", "", total_counts, AREA_FIGURES, "area"),
        "areas": tables,
        "units": unit_table(qs, whistles, as_of),
        "workers": worker_table(qs, user, as_of, grid_counts),
        "categories": category_table(qs, as_of),
        "trend": trend(user, params) if with_trend else [],
    }
    return data

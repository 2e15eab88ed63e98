"""The centre's report, computed in the database: one conditional-aggregate GROUP BY per table.

``report(user, params)`` returns a JSON-ready dict: for each table (areas at every level, handling units,
grid workers, categories) its rows with every figure's value and parts, composite score, grade and rank,
plus the totals and a month-by-month trend. The same dict is what the page renders, the exports write,
the API returns and a published snapshot keeps.
"""

from django.db import connections
from django.db.models import BigIntegerField, Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from cases.models import Category, RequestType
from fieldwork.selectors import attendance_figures
from grids.models import Area, Department, Membership, Role
from grids.scope import reach

from .figures import (
    AREA_FIGURES,
    CATEGORY_FIGURES,
    FIGURES,
    HOTLINE_FIGURES,
    PARTS,
    TREND_FIGURES,
    UNIT_FIGURES,
    composite,
    grade,
)
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


def grouped_counts(qs, groups: dict, as_of, parts=None) -> dict:
    """{group name: {key: {part: count}}} for several groupings of the same records in one statement.

    Each record's membership of every part is computed once (a 0/1 column per part, in a CTE); each
    grouping then only sums those columns: ``WITH p AS (…) SELECT 'grid', grid_code, SUM(…) … GROUP BY
    grid_code UNION ALL SELECT 'street', …``. ``groups`` maps a name to a record field (None: one total row).
    Plain SQL both PostgreSQL and SQLite run; the part definitions stay the ORM's Q objects.
    """
    parts = parts or RECORD_PARTS
    flags = {
        f"p_{p.key}": Case(When(p.q(as_of), then=Value(1)), default=Value(0), output_field=IntegerField())
        for p in parts
    }
    with_seconds = any(p.key == "handled" for p in parts)
    if with_seconds:
        flags["s_handled"] = Case(
            When(PARTS["handled"].q(as_of), then=F("handling_seconds")),
            default=None,
            output_field=BigIntegerField(),
        )
    fields = sorted({f for f in groups.values() if f})
    inner, params = qs.order_by().annotate(**flags).values(*fields, *flags).query.sql_with_params()
    sums = ", ".join(f"SUM({name})" for name in flags)
    selects = []
    for name, field in groups.items():
        if field is None:
            selects.append(f"SELECT '{name}', '', {sums} FROM p")
        else:
            selects.append(f"SELECT '{name}', CAST({field} AS TEXT), {sums} FROM p GROUP BY {field}")
    sql = f"WITH p AS ({inner}) " + " UNION ALL ".join(selects)
    out = {name: {} for name in groups}
    keys = [p.key for p in parts] + (["handled_seconds"] if with_seconds else [])
    # The database the queryset reads from (the replica inside gridgov.replica.replica_reads()), not
    # ``connection``, which is always the primary.
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            out[row[0]][row[1] or ""] = dict(
                zip(keys, (int(v or 0) for v in row[2:]))
            )  # PG: SUM(bigint) is numeric
    return out


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
        hotline = composite(_values(figure_values(counts, HOTLINE_FIGURES)), "hotline")
        row["hotline_score"], row["hotline_grade"] = hotline, grade(hotline)
    row.update(extra or {})
    return row


# --- Tables ----------------------------------------------------------------------------------------


def area_table(counts, whistle, level):
    names = dict(Area.objects.filter(code__in=set(counts) | set(whistle)).values_list("code", "name"))
    rows = [
        _row(
            code,
            names.get(code, code),
            {**counts.get(code, {}), **whistle.get(code, {})},
            AREA_FIGURES,
            "area",
        )
        for code in sorted(set(counts) | set(whistle))
    ]
    return _rank(rows)


def unit_table(department_counts, team_counts, whistle):
    """Handling units: departments (with their whistle arrivals) and grid / community teams."""
    departments = {k: v for k, v in department_counts.items() if k}
    teams = {k: v for k, v in team_counts.items() if k}
    dept_names = dict(
        Department.objects.filter(pk__in=set(departments) | set(whistle)).values_list("pk", "name")
    )
    team_names = dict(Area.objects.filter(code__in=teams).values_list("code", "name"))
    volume = max([c.get("dispatched") or 0 for c in [*departments.values(), *teams.values()]] or [0])

    def share(counts):
        return round((counts.get("dispatched") or 0) * 100 / volume, 2) if volume else None

    rows = []
    for pk in sorted(set(departments) | set(whistle), key=int):
        counts = {**departments.get(pk, {}), **whistle.get(pk, {})}
        rows.append(
            _row(
                pk,
                dept_names.get(int(pk), pk),
                counts,
                UNIT_FIGURES,
                "department",
                share(counts),
                {"unit": "department", "volume": counts.get("dispatched") or 0},
            )
        )
    for code in sorted(teams):
        rows.append(
            _row(
                code,
                team_names.get(code, code),
                teams[code],
                UNIT_FIGURES,
                "department",
                share(teams[code]),
                {"unit": "team", "volume": teams[code].get("dispatched") or 0},
            )
        )
    return _rank(rows)


def worker_table(user, reported, verified, grid_counts, period=None):
    """Grid workers as supervisors: their reports (grouped by reporter), their verifications (by verifier)
    and the missed reports of the grids they work in (the workers' grids from their memberships); with
    ``period`` (start, end), their attendance from the work logs (fieldwork, docs/domain.md §8.5)."""
    ids = {int(k) for k in set(reported) | set(verified) if k}
    if _only_own_row(user):
        ids &= {user.pk}
    attendance = {}
    if period is not None:
        start, end = (timezone.localtime(moment).date() for moment in period)
        attendance = attendance_figures(ids, start, end)
    grids_of, names = {}, {}
    memberships = Membership.objects.filter(
        user_id__in=ids, role__in=WORKER_ROLES, is_active=True
    ).values_list("user_id", "area__code", "user__display_name", "user__username")
    for user_id, code, display, username in memberships:
        grids_of.setdefault(user_id, []).append(code)
        names[user_id] = display or username
    rows = []
    for user_id in sorted(grids_of):
        mine, checked = reported.get(str(user_id), {}), verified.get(str(user_id), {})
        grids = sorted(grids_of[user_id])
        public_first = sum(grid_counts.get(code[:15], {}).get("public_first", 0) for code in grids)
        grid_filed = sum(grid_counts.get(code[:15], {}).get("filed", 0) for code in grids)
        figs = figure_values(
            {
                "reported": mine.get("reported"),
                "filed": mine.get("filed"),
                "self_handled": mine.get("self_handled"),
                "verified": checked.get("verified"),
                "verified_on_time": checked.get("verified_on_time"),
            },
            ["valid_report_rate", "self_handled", "verification_on_time_rate"],
        )
        # The missed-report rate is over the filed cases of the worker's grids, not the worker's own reports.
        figs.update(
            figure_values({"public_first": public_first, "filed": grid_filed}, ["missed_report_rate"])
        )
        if user_id in attendance:  # attended days / logged days (no logs: the component is left out)
            figs["attendance_rate"] = attendance[user_id]
        score = composite(_values(figs), "worker")
        rows.append(
            {
                "key": str(user_id),
                "name": names[user_id],
                "grids": grids,
                "figures": figs,
                "score": score,
                "grade": grade(score),
            }
        )
    return _rank(rows)


def _only_own_row(user) -> bool:
    """Grid workers see their own row; leaders and staff see their teams'."""
    r = reach(user)
    if r.is_superuser:
        return False
    return set(r.codes_by_role) <= {Role.GRID_WORKER}


def category_table(counts):
    names = {
        str(pk): f"{code} {name}"
        for pk, code, name in Category.objects.filter(pk__in=[int(k) for k in counts if k]).values_list(
            "pk", "code", "name"
        )
    }
    rows = [
        _row(k, names.get(k, k), counts[k], CATEGORY_FIGURES, "area") for k in sorted(counts, key=names.get)
    ]
    for row in rows:
        row.pop("hotline_score", None), row.pop("hotline_grade", None)
    return rows


def hotline_type_table(counts):
    """The three hotline rates per 12345 request type (咨询, 求助, 投诉 …), scored as the hotline is: one
    row per type with hotline cases due for a response or for closing, in the types' order."""
    due = ("hotline_due_response", "hotline_due_for_closing")
    return [
        _row(kind, str(RequestType(kind).label), counts[kind], HOTLINE_FIGURES, "hotline")
        for kind in RequestType.values
        if any(counts.get(kind, {}).get(part) for part in due)
    ]


def trend(user, params: ReportParams):
    """Month by month over the twelve months ending with the report's period (one GROUP BY)."""
    local = timezone.localtime(params.start)
    index = local.year * 12 + local.month - 1 - (TREND_MONTHS - 1)
    first, _end = month_bounds((index // 12) * 100 + index % 12 + 1)
    window = ReportParams(
        start=first,
        end=params.end,
        as_of=params.as_of,
        level=params.level,
        area=params.area,
        department=params.department,
        category=params.category,
    )
    parts = sorted(
        {PARTS[p] for key in TREND_FIGURES for p in FIGURES[key].part_keys() if p}, key=lambda p: p.key
    )
    counts = grouped_counts(records(user, window), {"month": "period_month"}, params.as_of, parts)["month"]
    return [
        {"month": int(month), "figures": figure_values(counts[month], TREND_FIGURES)}
        for month in sorted(counts, key=int)
    ]


def report(user, params: ReportParams, *, levels=None, with_trend=True) -> dict:
    """The whole report for ``user`` (scoped) and ``params``: every table, totals, trend.

    Queries: one statement for every grouping of the records, one per grouping of whistle calls, the names,
    and the trend's — a fixed number, whatever the number of cases, grids or workers."""
    qs, whistles = records(user, params), whistle_calls(user, params)
    as_of = params.as_of
    levels = levels or AREA_LEVELS
    groups = {
        **{level: LEVEL_FIELD[level] for level in set(levels) | {"grid"}},
        "department": "department_id",
        "team": "team_code",
        "reporter": "reporter_id",
        "verifier": "verifier_id",
        "category": "major_id",
        "request_type": "request_type",
        "total": None,
    }
    counts = grouped_counts(qs, groups, as_of)
    data = {
        "params": params.describe(),
        "generated_at": timezone.now().isoformat(),
        "total": _row(
            "",
            "",
            {**counts["total"].get("", {}), **_whistle_counts(whistles, None, as_of)[""]},
            AREA_FIGURES,
            "area",
        ),
        "areas": {
            level: area_table(counts[level], _whistle_counts(whistles, level, as_of), level)
            for level in levels
        },
        "units": unit_table(
            counts["department"], counts["team"], _whistle_counts(whistles, "department", as_of)
        ),
        "workers": worker_table(
            user, counts["reporter"], counts["verifier"], counts["grid"], period=(params.start, params.end)
        ),
        "categories": category_table(counts["category"]),
        "hotline_types": hotline_type_table(counts["request_type"]),
        "trend": trend(user, params) if with_trend else [],
    }
    return data

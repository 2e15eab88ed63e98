#!/usr/bin/env python
"""A month's assessment report on PostgreSQL for a district of 3,000 grids and 1,000,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench_assess .venv/bin/python bench/bench_assessment.py

The database named in DATABASE_URL is dropped and created afresh (its name must start with ``gg_`` or
``bench``) and migrated. The district gets 10 streets × 15 communities × 20 grids (3,000 grids), one grid
worker per grid and 30 departments. ``--cases`` cases and their evaluation records are written with one
``INSERT … SELECT generate_series`` each (the report reads ``assessment_caserecord`` only; the case rows are
there for its foreign key), spread over ``--months`` months with every status, source, satisfaction and
late stage in realistic shares. Then, for the latest complete month, timed over ``--repeat`` runs:

(a) the centre's full report: district, street, community and grid tables, handling units, grid workers,
    categories, composites, grades, ranks and the 12-month trend — what the page, the API, the exports and
    the monthly snapshot compute;
(b) the same without the trend; (c) a street's report (its staff's scope); (d) one drill-down list page.

Bar: (a) under 3 s at 1,000,000 cases (exit status 1 over it). Over the bar the script prints the slowest
query's EXPLAIN ANALYZE. The cases and records go in 100,000 per committed transaction; ``--reuse`` keeps an
earlier (or stopped) run's tables and tops them up. ``--quick`` is CI's smoke run: 30 grids, 3,000 cases,
every step run, the bar not enforced.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench-assessment")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from assessment.models import CaseRecord  # noqa: E402
from assessment.report import report  # noqa: E402
from assessment.selectors import default_month, drill_down, report_params  # noqa: E402
from cases.models import Case, Category  # noqa: E402
from grids.models import (  # noqa: E402
    Area,
    Department,
    Level,
    Membership,
    Role,
    User,
)

BAR_S = 3.0
DEPARTMENTS = 30
STEP = 100_000  # cases (and their records) per committed transaction
QUICK = {"cases": 3000, "months": 3, "repeat": 1, "streets": 2, "communities": 3, "grids": 5}


def build_district(n_streets, n_communities, n_grids):
    """Areas, one grid worker per grid, departments, the centre and a street's staff."""
    district = Area.objects.create(code="430104", name="岳麓区", level=Level.DISTRICT)
    streets = Area.objects.bulk_create(
        [
            Area(code=f"430104{s:03d}", name=f"街道{s}", level=Level.STREET, parent=district)
            for s in range(1, n_streets + 1)
        ]
    )
    communities = Area.objects.bulk_create(
        [
            Area(code=f"{st.code}{c:03d}", name=f"社区{st.code[-2:]}-{c}", level=Level.COMMUNITY, parent=st)
            for st in streets
            for c in range(1, n_communities + 1)
        ]
    )
    grids = Area.objects.bulk_create(
        [
            Area(code=f"{co.code}{g:03d}", name=f"网格{co.code[-5:]}-{g}", level=Level.GRID, parent=co)
            for co in communities
            for g in range(1, n_grids + 1)
        ]
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"w{g.code}", display_name=f"网格员{i}", password=password)
            for i, g in enumerate(grids)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, area=g, role=Role.GRID_WORKER) for u, g in zip(users, grids)]
    )
    Department.objects.bulk_create(
        [Department(code=f"D{d:02d}", name=f"部门{d}", area=district) for d in range(1, DEPARTMENTS + 1)]
    )
    centre = User.objects.create(username="centre", password=password)
    Membership.objects.create(user=centre, area=district, role=Role.DISTRICT_CENTRE)
    street = User.objects.create(username="street", password=password)
    Membership.objects.create(user=street, area=streets[0], role=Role.STREET_STAFF)
    return centre, street, grids, users


def fill(cases: int, months: int, now):
    """Cases and records, set-based, topped up to ``cases`` in committed steps (a stopped fill keeps what
    it wrote; ``--reuse`` continues). Row g's grid, month, source, status and stage flags are fixed
    functions of g (deterministic); shares: closed 84 %, open 8 %, voided 3 %, suspended 1 %, only reported
    4 %."""
    have = Case.objects.filter(number__startswith="B").count()
    if have >= cases:
        return
    minors = list(Category.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    departments = list(Department.objects.order_by("code").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("""CREATE TEMP TABLE bench_grid AS
            SELECT row_number() OVER (ORDER BY a.code) - 1 AS i, a.id, a.code, m.user_id
            FROM grids_area a JOIN grids_membership m ON m.area_id = a.id AND m.role = 'grid_worker'
            WHERE a.level = 'grid'""")
        cursor.execute("CREATE TEMP TABLE bench_cat (i int, id int, major int)")
        cursor.executemany(
            "INSERT INTO bench_cat VALUES (%s, %s, %s)",
            [(i, pk, major) for i, (pk, major) in enumerate(minors)],
        )
        cursor.execute("CREATE TEMP TABLE bench_dept (i int, id int)")
        cursor.executemany("INSERT INTO bench_dept VALUES (%s, %s)", list(enumerate(departments)))
        cursor.execute("SELECT count(*) FROM bench_grid")
        n_grids = cursor.fetchone()[0]
        started = time.perf_counter()
        for first in range(have + 1, cases + 1, STEP):
            last = min(cases, first + STEP - 1)
            with transaction.atomic():
                _insert_cases(cursor, first, last, months, n_grids, len(minors), now)
                _insert_records(cursor, first, last, n_grids, len(minors), len(departments))
            print(
                f"  {last:,} of {cases:,} cases and their evaluation records written "
                f"({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        cursor.execute("ANALYZE assessment_caserecord")
        cursor.execute("ANALYZE cases_case")


def _insert_cases(cursor, first, last, months, n_grids, n_cats, now):
    # The period: month (g % months) back from the current one, day and hour from g.
    explicit = {
        "number": "'B' || lpad(g::text, 10, '0')",
        "public_id": "'b' || lpad(g::text, 11, '0')",
        "title": "'bench case ' || g",
        "category_id": f"(SELECT id FROM bench_cat WHERE i = (hashint4(g + 1) & 2147483647) % {n_cats})",
        "area_id": "gr.id",
        "area_code": "gr.code",
        "reporter_id": "gr.user_id",
        "status": "'closed'",
        "level": "'grid'",
        "reported_at": (
            f"date_trunc('month', %(now)s::timestamptz) - ((g % {months}) + 1) * interval '1 month' "
            "+ ((g * 13) % 27) * interval '1 day' + ((g * 7) % 9 + 8) * interval '1 hour'"
        ),
        "created_at": "%(now)s",
        "updated_at": "%(now)s",
    }
    columns, values = [], []
    for field in Case._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        columns.append(f'"{field.column}"')
        if field.name in explicit or field.attname in explicit:
            values.append(
                (explicit.get(field.name) or explicit[field.attname])
                .replace("%", "%%")
                .replace("%%(now)s", "%(now)s")
            )
        elif field.null:
            values.append("NULL")
        else:
            values.append(_literal(field.get_default()))
    cursor.execute(
        f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM generate_series({first}, {last}) AS g "
        f"JOIN bench_grid gr ON gr.i = (hashint4(g) & 2147483647) %% {n_grids}",
        {"now": now},
    )


def _insert_records(cursor, first, last, n_grids, n_cats, n_depts):
    """One record per case, its facts from g: ``b`` is a bucket 0–99 for shares, other moduli for flags."""
    cursor.execute(f"""
        INSERT INTO assessment_caserecord (
        case_id, grid_code, community_code, street_code, district_code, category_id, major_id, source, status,
        reporter_id, verifier_id, department_id, team_code, period_at, period_month, reported_at,
        responded_at, responded_on_time, file_due_at, filed_at, filed_on_time, voided_at, voided_after_filing,
        self_handled, dispatched_at, dispatched_on_time, returned, handle_due_at, handled_at, handled_on_time,
        handling_seconds, extended, reworked, verified_on_time, closing_due_at, closed_at, closed_on_time,
        close_type, suspended_at, reopened, satisfaction, request_type, built_at)
        SELECT c.id, gr.code, left(gr.code, 12), left(gr.code, 9), left(gr.code, 6), cat.id, cat.major,
        CASE WHEN s < 46 THEN 'patrol' WHEN s < 60 THEN 'citizen' WHEN s < 72 THEN 'hotline'
             WHEN s < 84 THEN 'self_handled' WHEN s < 92 THEN 'visit' ELSE 'sensor' END,
        CASE WHEN b < 84 THEN 'closed' WHEN b < 92 THEN 'accepted' WHEN b < 95 THEN 'voided'
             WHEN b < 96 THEN 'suspended' ELSE 'reported' END,
        gr.user_id, CASE WHEN b < 84 THEN gr.user_id END,
        CASE WHEN b < 92 AND b <> 7 THEN d.id END, CASE WHEN b = 7 THEN gr.code ELSE '' END,
        CASE WHEN b < 96 THEN c.reported_at + interval '20 minutes' ELSE c.reported_at END,
        to_char((CASE WHEN b < 96 THEN c.reported_at + interval '20 minutes' ELSE c.reported_at END)
                AT TIME ZONE 'Asia/Shanghai', 'YYYYMM')::int,
        c.reported_at,
        c.reported_at + interval '20 minutes', g % 97 > 4, c.reported_at + interval '30 minutes',
        CASE WHEN b < 96 THEN c.reported_at + interval '20 minutes' END, CASE WHEN b < 96 THEN g % 97 > 4 END,
        CASE WHEN b >= 92 AND b < 95 THEN c.reported_at + interval '1 hour' END, b >= 92 AND b < 95,
        s >= 72 AND s < 84 AND b >= 96,
        CASE WHEN b < 92 OR b = 95 THEN c.reported_at + interval '30 minutes' END,
        CASE WHEN b < 92 OR b = 95 THEN g % 89 > 3 END, g % 40 = 0,
        c.reported_at + interval '1 day',
        CASE WHEN b < 84 OR (b >= 84 AND b < 88) THEN c.reported_at + (1 + g % 40) * interval '1 hour' END,
        CASE WHEN b < 88 THEN (1 + g % 40) <= 24 + (g % 3) END,
        CASE WHEN b < 88 THEN ((1 + g % 40) * 3600 - 600) END,
        g % 23 = 0, g % 50 = 0, CASE WHEN b < 84 THEN g % 79 > 3 END,
        c.reported_at + interval '1 day',
        CASE WHEN b < 84 THEN c.reported_at + (2 + g % 40) * interval '1 hour' END,
        CASE WHEN b < 84 THEN (1 + g % 40) <= 24 AND g % 97 > 4 AND g % 89 > 3 AND g % 79 > 3 END,
        CASE WHEN b < 84 THEN (CASE WHEN g % 61 = 0 THEN 'special' WHEN (1 + g % 40) > 24 THEN 'overdue'
                                    ELSE 'normal' END) ELSE '' END,
        CASE WHEN b = 95 THEN c.reported_at + interval '2 hours' END, g % 211 = 0,
        CASE WHEN b < 84 THEN (CASE WHEN g % 100 < 62 THEN 'satisfied'
                                    WHEN g % 100 < 80 THEN 'basically_satisfied'
                                    WHEN g % 100 < 87 THEN 'dissatisfied' ELSE 'no_response' END) ELSE '' END,
        CASE WHEN s >= 60 AND s < 72
             THEN (ARRAY['consult', 'help', 'complaint', 'tip_off', 'suggestion', 'praise'])[1 + g % 6]
             ELSE '' END,
        now()
        FROM (SELECT g, (hashint4(g + 3) & 2147483647) % 100 AS b, (hashint4(g + 4) & 2147483647) % 100 AS s
          FROM generate_series({first}, {last}) AS g) AS x
        JOIN cases_case c ON c.number = 'B' || lpad(g::text, 10, '0')
        JOIN bench_grid gr ON gr.i = (hashint4(g) & 2147483647) % {n_grids}
        JOIN bench_cat cat ON cat.i = (hashint4(g + 1) & 2147483647) % {n_cats}
        JOIN bench_dept d ON d.i = (hashint4(g + 2) & 2147483647) % {n_depts}
    """)


def _literal(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value) + "'"
    return "'" + str(value).replace("'", "''") + "'"


def timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    queries = list(connection.queries)
    return statistics.median(times), max(times), result, queries


def explain_slowest(queries):
    slowest = max(queries, key=lambda q: float(q["time"]))
    print(f"\nslowest query ({slowest['time']} s):\n{slowest['sql'][:2000]}\n")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--communities", type=int, default=15, help="per street")
    parser.add_argument("--grids", type=int, default=20, help="per community")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the tables an earlier (or stopped) run built and top the cases up to --cases",
    )
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bar not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database (see the docstring).")
    if not args.reuse:
        recreate_database(url)

    settings.DEBUG = True  # keep connection.queries for the query count and EXPLAIN
    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    centre = User.objects.filter(username="centre").first() if args.reuse else None
    if centre is not None:
        street = User.objects.get(username="street")
    else:
        centre, street, grids, _users = build_district(args.streets, args.communities, args.grids)
        print(
            f"district: {len(grids):,} grids, {len(grids):,} grid workers, {DEPARTMENTS} departments",
            flush=True,
        )
    fill(args.cases, args.months, now)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)

    start, _end = default_month(now)
    month = timezone.localtime(start).strftime("%Y-%m")
    params = report_params(centre, {"month": month, "level": "grid"})
    street_params = report_params(street, {"month": month, "level": "grid"})

    in_month = CaseRecord.objects.filter(period_at__gte=params.start, period_at__lt=params.end).count()
    print(f"\nmonth {month}: {in_month:,} cases filed (or reported) in it, as of now\n")

    full_med, full_max, data, queries = timed(lambda: report(centre, params), args.repeat)
    print(
        f"(a) full report, centre:       median {full_med:.3f} s  max {full_max:.3f} s  "
        f"{len(queries)} queries"
    )
    med, mx, _r, q = timed(lambda: report(centre, params, with_trend=False), args.repeat)
    print(f"(b) without the trend:         median {med:.3f} s  max {mx:.3f} s  {len(q)} queries")
    med, mx, _r, q = timed(lambda: report(street, street_params), args.repeat)
    print(f"(c) a street's full report:    median {med:.3f} s  max {mx:.3f} s  {len(q)} queries")
    med, mx, _r, q = timed(
        lambda: list(drill_down(centre, params, "closed_on_time", "street", "430104001")[:30]), args.repeat
    )
    print(f"(d) drill-down page:           median {med * 1000:.1f} ms  max {mx * 1000:.1f} ms")

    total = data["total"]["figures"]
    print("\nfigures (district):")
    for key in (
        "due_for_closing",
        "closure_rate",
        "on_time_closure_rate",
        "on_time_handling_rate",
        "rework_rate",
        "mean_handling_hours",
        "satisfaction_rate",
        "hotline_response_rate",
    ):
        print(f"  {key:24} {total[key]['value']!s:>8}  ({total[key]['num']} / {total[key]['den']})")
    print(
        f"  score {data['total']['score']} grade {data['total']['grade']}; rows: "
        f"{ {k: len(v) for k, v in data['areas'].items()} } areas, {len(data['units'])} units, "
        f"{len(data['workers'])} workers, {len(data['categories'])} categories, {len(data['trend'])} months"
    )
    if args.quick:
        print("\nquick run: ran end to end (bar not enforced)")
        return 0
    verdict = "PASS" if full_med < BAR_S else "FAIL"
    print(f"\nbar: full report under {BAR_S:.0f} s at {args.cases:,} cases — {verdict}")
    if full_med >= BAR_S:
        explain_slowest(queries)
    return 0 if full_med < BAR_S else 1


if __name__ == "__main__":
    sys.exit(main())

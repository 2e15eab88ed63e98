#!/usr/bin/env python
"""Hotspot detection for a month, timed on its own, and the stored overdue rates' rebuild, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_risk.py \
        --open 100000 --closed 900000 --grids 3000

The database named in DATABASE_URL is dropped and created afresh (gg_* or bench*), migrated and given the
demo district (``--grids``); the cases are written as bench_command.py writes them (spread over the grids and
the last ~83 days) and given their step times as bench_screen.py does. Then, ``--repeat`` times each:

* ``risk.hotspots.hotspots_find`` over the district's last 30 days (the daily recomputation's window, with the
  district's cell size and minimum), as the recomputation calls it (bar < 10 s): first with every case of one
  category (the fill's: a dense worst case, every grid's cells one cluster), then with the cases spread over
  the catalogue's minor categories (fewer, smaller clusters, more of them);
* ``risk.predict.rates_refresh`` (the predicted overdue's stored rates, rebuilt in the same recomputation from
  the last 180 days' closed cases).

``--quick`` is CI's smoke run (5,000 cases, 100 grids; bar not enforced); ``--reuse`` measures the last run's
database again.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta

from bench_command import fill_cases, setup
from bench_screen import fill_steps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from throwaway import postgres_url, recreate_database

from cases.models import Case, Category
from grids.models import Area, Level
from risk import predict, services
from risk.hotspots import hotspots_find

BAR_HOTSPOTS_S = 10.0
QUICK = {"open": 2000, "closed": 3000, "grids": 100, "repeat": 2}


def spread_categories():
    """Give the cases the catalogue's minor categories in turn (by id), as a real register mixes them."""
    minors = list(
        Category.objects.filter(parent__isnull=False, is_active=True)
        .order_by("code")
        .values_list("id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET category_id = (%s::bigint[])[1 + (id * 7919) %% %s]", [minors, len(minors)]
        )
        cursor.execute("VACUUM ANALYZE cases_case")
    return len(minors)


def time_hotspots(district, repeat):
    """p50 and max seconds of one month's detection, the queries of the last run and what it found."""
    s = services.settings_for(district)
    end = timezone.now()
    start = end - timedelta(days=s.window_days)
    runs, found, queries = [], [], 0
    for k in range(repeat + 1):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            found = hotspots_find(
                district_code=district.code,
                start=start,
                end=end,
                cell_m=s.hotspot_cell_m,
                min_cases=s.hotspot_min_cases,
                lat0=district.centroid_lat or 30.0,
                keep=services.HOTSPOT_CASES_KEPT,
            )
            elapsed = time.perf_counter() - started
        queries = len(ctx.captured_queries)
        if k:  # the first run warms Python and PostgreSQL's plans
            runs.append(elapsed)
    in_window = Case.objects.filter(reported_at__gte=start, reported_at__lt=end).count()
    return (
        statistics.median(runs),
        max(runs),
        len(found),
        sum(c.case_count for c in found),
        in_window,
        queries,
    )


def report(label, district, repeat) -> bool:
    p50, worst, hotspots, held, in_window, queries = time_hotspots(district, repeat)
    print(
        f"hotspot detection for a month, {label}: p50 {p50:.2f} s, max {worst:.2f} s over {repeat} runs "
        f"(bar < {BAR_HOTSPOTS_S:.0f} s); {in_window:,} cases in the window, {hotspots:,} hotspots holding "
        f"{held:,}, {queries} queries"
    )
    return worst < BAR_HOTSPOTS_S


def time_rates(repeat):
    runs, rows = [], 0
    for k in range(repeat + 1):
        started = time.perf_counter()
        rows = predict.rates_refresh()
        if k:
            runs.append(time.perf_counter() - started)
    print(f"overdue rates rebuilt (predicted overdue): p50 {statistics.median(runs):.2f} s, {rows:,} rows")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100000, help="open cases")
    parser.add_argument("--closed", type=int, default=900000, help="closed cases")
    parser.add_argument("--grids", type=int, default=3000, help="grids in the district")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each")
    parser.add_argument("--reuse", action="store_true", help="measure the database of the last run again")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run ({QUICK}); bar not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = postgres_url()
    if args.reuse:
        district = Area.objects.get(level=Level.DISTRICT)
    else:
        recreate_database(url)
        district = setup(args.grids)
        fill_cases(district, args.open, args.closed)
        fill_steps()
    passed = report("one category (dense)", district, args.repeat)
    n = spread_categories()
    passed = report(f"spread over {n} categories", district, args.repeat) and passed
    time_rates(args.repeat)
    if args.quick:
        print("quick run: ran end to end (bar not enforced)")
        return 0
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

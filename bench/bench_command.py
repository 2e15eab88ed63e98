#!/usr/bin/env python
"""The command map's data endpoints on PostgreSQL at scale: grid load, case clusters, counts, patrols.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_command.py \
        --open 100000 --closed 300000 --grids 1500

The database named in DATABASE_URL is dropped and created afresh (the name must start with gg_ or bench),
migrated and given the demo district (``--grids``). Then ``--open`` open cases and ``--closed`` closed ones
are written in one INSERT … SELECT each (spread over the grids, 10 % overdue, 15 % warning, 2 % supervised),
``--workers`` grid workers get a last position and today's track, and each endpoint is requested
``--repeat`` times through Django's test client as the district centre (and a street's staff): p50 / p95
of the whole request ("cold": the cache is cleared before each request, so the figure is the queries'
cost; "warm": what the many screens polling the same area every 30 s mostly get). Over the bar (p95 < 200 ms
for the district, < 50 ms for a street) the slowest query's EXPLAIN ANALYZE is printed, and the exit status
is 1. ``--quick`` is CI's smoke run (5,000 cases, 100 grids; bars not enforced).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
# The centre's pages are measured as a signed-in session; its second factor is a login step, not the work.
os.environ.setdefault("GRIDGOV_OTP_REQUIRED", "false")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import GeneratedField  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from cases.demo import cast_for  # noqa: E402
from cases.models import Case, Category  # noqa: E402
from cases.services import case_report  # noqa: E402
from cases.workflow import OPEN  # noqa: E402
from command import demo as command_demo  # noqa: E402
from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level, Membership, Role  # noqa: E402

BAR_DISTRICT_MS = 200.0
BAR_STREET_MS = 50.0
STEP = 100_000  # cases per INSERT statement (each one commits)
QUICK = {"open": 2000, "closed": 3000, "grids": 100, "workers": 20, "repeat": 3, "posts": 20}


def setup(grids: int):
    call_command("migrate", verbosity=0)

    started = time.monotonic()
    demo = build_district(grids=grids, seed=2024)
    print(f"district: {demo.counts} in {time.monotonic() - started:.1f}s")
    return demo.district


def fill_cases(district, open_count: int, closed_count: int):
    """Copy one real case ``count`` times with SQL, each at a random point of a random grid, in
    statements of ``STEP`` rows (each one commits)."""
    grids = list(
        Area.objects.filter(code__startswith=district.code, level=Level.GRID, is_active=True).values_list(
            "id", "code", "centroid_lat", "centroid_lon"
        )
    )
    worker = Membership.objects.filter(role=Role.GRID_WORKER, area_id=grids[0][0]).first().user
    template = case_report(
        actor=worker,
        category=Category.objects.get(code="01001"),
        title="基准案件",
        lat=grids[0][2],
        lon=grids[0][3],
    ).case
    columns = [
        f.column for f in Case._meta.concrete_fields if f.column != "id" and not isinstance(f, GeneratedField)
    ]
    override = {
        "number": "'B' || %(tag)s || lpad(g::text, 9, '0')",
        "lat": "gr.lat + (random() - 0.5) * 0.004",
        "lon": "gr.lon + (random() - 0.5) * 0.004",
        "area_id": "gr.id",
        "area_code": "gr.code",
        "status": "(%(statuses)s::text[])[1 + (g %% %(nstatus)s)]",
        "alert": "CASE WHEN g %% 10 = 0 THEN 'red' WHEN g %% 7 = 0 THEN 'yellow' ELSE '' END",
        "is_supervised": "g %% 50 = 0",
        "reported_at": "now() - (g %% 2000) * interval '1 hour'",
        "stage_due_at": "now() - ((g %% 200) - 100) * interval '1 hour'",
        "closed_at": "CASE WHEN %(closed)s THEN now() - (g %% 2000) * interval '1 hour' END",
    }
    for f in Case._meta.concrete_fields:  # any other unique column (e.g. a public id) gets a fresh value too
        if f.unique and not f.primary_key and f.column in columns and f.column not in override:
            override[f.column] = "%(tag)s || lpad(g::text, 9, '0')"
    select = ", ".join(override.get(c, f"t.{c}") for c in columns)
    sql = (
        f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {select} FROM cases_case t, "
        "generate_series(%(first)s::bigint, %(last)s::bigint) g "
        "JOIN (SELECT * FROM unnest(%(ids)s::bigint[], %(codes)s::text[], "
        "%(lats)s::float8[], %(lons)s::float8[]) WITH ORDINALITY AS x(id, code, lat, lon, k)) gr "
        "ON gr.k = 1 + (g::bigint * 7919) %% %(ngrids)s WHERE t.id = %(template)s"
    )
    ids, codes, lats, lons = (list(col) for col in zip(*grids))
    for n, statuses, tag in ((open_count, OPEN, "o"), (closed_count, ["closed", "evaluated"], "c")):
        started = time.monotonic()
        closed_flag = "true" if statuses != OPEN else "false"
        for first in range(1, n + 1, STEP):
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.replace("%(closed)s", closed_flag),
                    {
                        "first": first,
                        "last": min(n, first + STEP - 1),
                        "tag": tag,
                        "statuses": list(statuses),
                        "nstatus": len(statuses),
                        "ids": ids,
                        "codes": codes,
                        "lats": lats,
                        "lons": lons,
                        "ngrids": len(grids),
                        "template": template.pk,
                    },
                )
        print(
            f"filled {n:,} {'open' if statuses == OPEN else 'closed'} cases "
            f"in {time.monotonic() - started:.1f}s"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")


def fill_patrols(district, workers: int):
    started = time.monotonic()
    result = command_demo.build(district=district, seed=1, workers=workers)
    print(f"patrols: {result} in {time.monotonic() - started:.1f}s")


def measure(client, url, repeat, clear_cache=False):
    timings = []
    for k in range(repeat + 3):
        if clear_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if k >= 3:
            timings.append(elapsed)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], response


def explain(client, url):
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    print(f"      slowest query ({float(slowest['time']) * 1000:.1f} ms): {slowest['sql'][:300]}")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        for (line,) in cursor.fetchall():
            print("      | " + line)


def scenarios(district):
    extent = Area.objects.filter(code__startswith=district.code, level=Level.GRID).values_list(
        "min_lon", "min_lat", "max_lon", "max_lat"
    )
    w = min(e[0] for e in extent)
    s = min(e[1] for e in extent)
    e_ = max(e[2] for e in extent)
    n = max(e[3] for e in extent)
    street = district.children.order_by("code").first()
    grid = Area.objects.filter(code__startswith=street.code, level=Level.GRID).order_by("code").first()
    box = f"{w:.5f},{s:.5f},{e_:.5f},{n:.5f}"
    near = (
        f"{grid.centroid_lon - 0.003:.5f},{grid.centroid_lat - 0.002:.5f},"
        f"{grid.centroid_lon + 0.003:.5f},{grid.centroid_lat + 0.002:.5f}"
    )
    return street, [
        ("map page /command/ (cold)", "/command/", True),
        ("grids.json warm (boundaries cached)", "/command/grids.json", False),
        ("grids.json cold (cache cleared)", "/command/grids.json", True),
        ("grid-load.json warm (15 s cache)", "/command/grid-load.json", False),
        ("grid-load.json cold (the GROUP BY)", "/command/grid-load.json", True),
        ("cases.json whole district, zoom 12", f"/command/cases.json?bbox={box}&zoom=12", False),
        ("cases.json whole district, zoom 14", f"/command/cases.json?bbox={box}&zoom=14", False),
        ("cases.json one grid, zoom 17 (markers)", f"/command/cases.json?bbox={near}&zoom=17", False),
        ("counts (cache cleared each time)", "/command/counts/", True),
        ("overdue list", "/command/overdue/", False),
        ("supervised list", "/command/supervised/", False),
        ("patrol/last.json", "/command/patrol/last.json", False),
    ]


def bench(district, repeat, explain_over=True):
    cast = cast_for(district)
    street, rows = scenarios(district)
    people = [
        ("district centre", cast.centre[0], BAR_DISTRICT_MS),
        ("street staff", cast.staff[("street_staff", street.code)][0], BAR_STREET_MS),
    ]
    passed = True
    for who, user, bar in people:
        client = Client()
        client.force_login(user)
        print(f"\n{who} ({repeat} requests each, whole request; bar p95 < {bar:.0f} ms)")
        for label, url, cold in rows:
            p50, p95, response = measure(client, url, repeat, clear_cache=cold)
            size = len(response.content)
            verdict = "ok" if p95 < bar else "OVER"
            print(
                f"    {label:44s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {size / 1024:8.1f} KiB   {verdict}"
            )
            passed &= p95 < bar
            if p95 >= bar and explain_over:
                explain(client, url)
    return passed


def bench_post(district, count):
    grid = Area.objects.filter(code__startswith=district.code, level=Level.GRID).order_by("code").last()
    worker = Membership.objects.filter(role=Role.GRID_WORKER, area=grid).first().user
    client = APIClient()
    client.force_authenticate(worker)
    start = timezone.now() - timedelta(hours=12)
    started = time.perf_counter()
    for k in range(count):
        at = (start + timedelta(seconds=30 * k)).isoformat()
        response = client.post(
            "/api/v1/patrol/positions/",
            {"lat": grid.centroid_lat, "lon": grid.centroid_lon, "accuracy_m": 10, "recorded_at": at},
            format="json",
        )
        assert response.status_code == 201, response.content
    rate = count / (time.perf_counter() - started)
    print(
        f"\nPOST /api/v1/patrol/positions/: {rate:.0f} points/s in one process "
        f"({rate * 30:.0f} workers at one point per 30 s)"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100000, help="open cases")
    parser.add_argument("--closed", type=int, default=300000, help="closed cases (history the counts skip)")
    parser.add_argument("--grids", type=int, default=1500, help="grids in the district")
    parser.add_argument("--workers", type=int, default=500, help="grid workers with a track today")
    parser.add_argument("--repeat", type=int, default=30, help="requests per endpoint")
    parser.add_argument("--posts", type=int, default=500, help="patrol points to post")
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bars not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to a throwaway PostgreSQL database, "
            "e.g. postgres://postgres@127.0.0.1:5432/gg_bench"
        )
    recreate_database(url)
    district = setup(args.grids)
    fill_cases(district, args.open, args.closed)
    fill_patrols(district, args.workers)
    passed = bench(district, args.repeat, explain_over=not args.quick)
    bench_post(district, args.posts)
    if args.quick:
        print("quick run: ran end to end (bars not enforced)")
        return 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

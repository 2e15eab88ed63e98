#!/usr/bin/env python
"""Benchmark grid_for_point and subtree queries on the demo district's grids at scale.

    python bench/bench_grids.py [--grids 5000] [--points 20000] [--seed 2024] [--quick]

Builds the demo district's area tree only (streets, communities, grids and micro-grids with their
boundaries: ``grids.demo.Builder.build_tree``; no people, no cases, no other app) into its own SQLite file
under /tmp, or into DATABASE_URL when set (a PostgreSQL database there is dropped and created afresh: its
name must start with ``gg_`` or ``bench``). Then prints points/second of ``grid_for_point`` (one call per
point) and of the vectorised ``grids_for_points``, and p50/p95 of a street's and a community's
``Area.objects.subtree(code).count()``. Bar: well under 1 ms per point (exit status 1 at 1 ms or more).
``--quick`` is CI's smoke run (300 grids, 2,000 points; the bar not enforced).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--grids", type=int, default=5000)
parser.add_argument("--points", type=int, default=20000)
parser.add_argument("--seed", type=int, default=2024)
parser.add_argument("--queries", type=int, default=200, help="subtree queries per kind")
parser.add_argument("--quick", action="store_true", help="CI's smoke run; the bar not enforced")
ARGS = parser.parse_args()
if ARGS.quick:
    ARGS.grids, ARGS.points, ARGS.queries = 300, 2000, 50

# The database is chosen before Django reads its settings: a fresh SQLite file unless DATABASE_URL is set.
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from throwaway import recreate_database  # bench/ is the script's folder, first on sys.path

    recreate_database(os.environ["DATABASE_URL"])
elif not os.environ.get("DATABASE_URL"):
    VAR_DIR = Path(tempfile.gettempdir()) / f"gridgov-bench-grids-{ARGS.grids}"
    for stale in VAR_DIR.glob("*.sqlite3*"):
        stale.unlink()
    os.environ["GRIDGOV_VAR_DIR"] = str(VAR_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from grids import spatial  # noqa: E402
from grids.demo import Builder  # noqa: E402
from grids.models import Area, BoundaryRevision, Level  # noqa: E402

BAR_POINT_US = 1000.0


def main():
    args = ARGS
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Area.objects.exists():
        sys.exit("The database is not empty: point DATABASE_URL at a scratch database.")
    started = time.perf_counter()
    builder = Builder(args.grids, args.seed)
    builder.build_tree()
    BoundaryRevision.bump()
    print(
        f"area tree, {len(builder.grids)} grids, {len(builder.micro)} micro-grids: "
        f"{time.perf_counter() - started:.1f} s"
    )

    district = builder.district
    rng = random.Random(args.seed)
    points = [
        (rng.uniform(district.min_lat, district.max_lat), rng.uniform(district.min_lon, district.max_lon))
        for _ in range(args.points)
    ]
    spatial.invalidate()
    started = time.perf_counter()
    spatial.grid_for_point(*points[0])
    print(
        f"index build: {(time.perf_counter() - started) * 1000:.0f} ms "
        f"({Area.objects.active().exclude(boundary__isnull=True).count()} boundaries)"
    )

    started = time.perf_counter()
    single = [spatial.grid_for_point(lat, lon) for lat, lon in points]
    elapsed = time.perf_counter() - started
    per_point = elapsed / len(points) * 1e6
    print(f"grid_for_point: {len(points) / elapsed:,.0f} points/s ({per_point:.1f} µs/point)")
    started = time.perf_counter()
    batch = spatial.grids_for_points(points)
    elapsed = time.perf_counter() - started
    print(f"grids_for_points: {len(points) / elapsed:,.0f} points/s")
    assert batch == single, "vectorised and single lookups disagree"
    inside = sum(r is not None for r in single)
    assert inside, "no point fell inside the district"
    print(f"points inside the district: {inside / len(points):.0%}")

    for level in (Level.STREET, Level.COMMUNITY):
        codes = list(Area.objects.filter(level=level).values_list("code", flat=True))
        timings, sizes = [], []
        for _ in range(args.queries):
            code = rng.choice(codes)
            started = time.perf_counter()
            sizes.append(Area.objects.subtree(code).count())
            timings.append((time.perf_counter() - started) * 1000)
        q = statistics.quantiles(timings, n=20)
        print(
            f"subtree({level}).count(): p50 {statistics.median(timings):.2f} ms, p95 {q[18]:.2f} ms "
            f"(mean {statistics.mean(sizes):.0f} areas)"
        )
    if args.quick:
        print("quick run: ran end to end (bar not enforced)")
        return 0
    passed = per_point < BAR_POINT_US
    print(
        f"bar: grid_for_point under {BAR_POINT_US / 1000:.0f} ms per point — {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark grid_for_point and subtree queries on the demo district at scale.

    python bench/bench_grids.py [--grids 5000] [--points 20000] [--seed 2024]

Builds the district with ``load_demo --grids N`` into its own SQLite file under /tmp (or into
DATABASE_URL when set — use a scratch database), then prints points/second of ``grid_for_point`` (one
call per point) and of the vectorised ``grids_for_points``, and p50/p95 of a street's and a community's
``Area.objects.subtree(code).count()``.
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=5000)
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--queries", type=int, default=200, help="subtree queries per kind")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        var_dir = Path(tempfile.gettempdir()) / f"gridgov-bench-{args.grids}"
        if var_dir.exists():
            for f in var_dir.glob("*.sqlite3*"):
                f.unlink()
        os.environ["GRIDGOV_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from grids import spatial
    from grids.models import Area, Level

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Area.objects.exists():
        sys.exit("The database is not empty: point DATABASE_URL at a scratch database.")
    started = time.perf_counter()
    call_command("load_demo", grids=args.grids, seed=args.seed)
    print(f"load_demo --grids {args.grids}: {time.perf_counter() - started:.1f} s")

    district = Area.objects.get(level=Level.DISTRICT)
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
    print(
        f"grid_for_point: {len(points) / elapsed:,.0f} points/s ({elapsed / len(points) * 1e6:.1f} µs/point)"
    )
    started = time.perf_counter()
    batch = spatial.grids_for_points(points)
    elapsed = time.perf_counter() - started
    print(f"grids_for_points: {len(points) / elapsed:,.0f} points/s")
    assert batch == single, "vectorised and single lookups disagree"
    inside = sum(r is not None for r in single)
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


if __name__ == "__main__":
    main()

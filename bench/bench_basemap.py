#!/usr/bin/env python
"""The offline base layer (residents/basemap.py) on PostgreSQL at scale: how big and how fast the answer is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_basemap.py \
        --grids 1500 --buildings 30

The database named in DATABASE_URL is dropped and created afresh (gg_*, bench*), migrated and given the demo
district (``--grids``), then ``--buildings`` buildings and a third as many places per grid, spread over it.
As the district centre (whose reach is everything) the base layer is asked for the whole district far away,
a street's box at zoom 14, and a grid's box at zoom 16 and 17, each ``--repeat`` times: the answer's size
(bytes, features) and p50 / p95 of the whole request, "cold" (cache cleared: the outlines simplified again)
and "warm" (the outlines from the cache, which is what panning mostly gets). Bars: p95 warm < 150 ms and
every answer < 400 KB; over a bar the exit status is 1. ``--quick`` is CI's smoke run (bars not enforced).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("GRIDGOV_OTP_REQUIRED", "false")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from throwaway import postgres_url, recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level, Membership, Role  # noqa: E402
from residents.models import Building, Place  # noqa: E402

BAR_MS = 150.0
BAR_BYTES = 400_000
QUICK = {"grids": 60, "buildings": 10, "repeat": 3}


def setup(grids: int, per_grid: int):
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    demo = build_district(grids=grids, seed=2024)
    rng = random.Random(7)
    buildings, places = [], []
    for grid in Area.objects.filter(level=Level.GRID).exclude(centroid_lat=None):
        width, height = grid.max_lon - grid.min_lon, grid.max_lat - grid.min_lat
        for k in range(per_grid):
            lat = grid.min_lat + rng.random() * height
            lon = grid.min_lon + rng.random() * width
            buildings.append(
                Building(area=grid, code=f"{grid.code}-{k}", name=f"{k + 1}栋", lat=lat, lon=lon)
            )
            if k % 3 == 0:
                places.append(Place(area=grid, name=f"商铺{k}", kind="shop", lat=lat, lon=lon))
    Building.objects.bulk_create(buildings, batch_size=5000)
    Place.objects.bulk_create(places, batch_size=5000)
    print(
        f"district: {demo.counts}, {len(buildings)} buildings, {len(places)} places "
        f"in {time.monotonic() - started:.1f}s"
    )
    return demo.district


def measure(client, url, repeat, cold):
    timings = []
    for k in range(repeat + 2):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if k >= 2:
            timings.append(elapsed)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], response


def box(area):
    return f"{area.min_lon},{area.min_lat},{area.max_lon},{area.max_lat}"


def bench(district, repeat):
    centre = Membership.objects.filter(role=Role.DISTRICT_CENTRE).first().user
    street = Area.objects.filter(level=Level.STREET).order_by("code").first()
    grid = Area.objects.filter(level=Level.GRID, code__startswith=street.code).order_by("code").first()
    rows = [
        ("district, zoom 12", f"zoom=12&bbox={box(district)}"),
        ("a street, zoom 14", f"zoom=14&bbox={box(street)}"),
        ("a grid, zoom 16", f"zoom=16&bbox={box(grid)}"),
        ("a grid, zoom 17", f"zoom=17&bbox={box(grid)}"),
    ]
    client = Client()
    client.force_login(centre)
    print(
        f"\ncentre ({repeat} requests each, whole request; bars p95 warm < {BAR_MS:.0f} ms, < {BAR_BYTES} B)"
    )
    passed = True
    for label, query in rows:
        url = "/residents/base-layer/?" + query
        cold50, cold95, _ = measure(client, url, repeat, cold=True)
        warm50, warm95, response = measure(client, url, repeat, cold=False)
        body = response.json()
        size = len(response.content)
        ok = warm95 < BAR_MS and size < BAR_BYTES
        passed = passed and ok
        print(
            f"  {label:18} {len(body['features']):5} features {size / 1000:7.1f} kB   "
            f"cold p50 {cold50:6.1f} p95 {cold95:6.1f} ms   warm p50 {warm50:6.1f} p95 {warm95:6.1f} ms"
            f"{'' if ok else '   OVER THE BAR'}"
        )
    return passed


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=1500, help="grids of the demo district")
    parser.add_argument(
        "--buildings", type=int, default=30, help="buildings per grid (a third as many places)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="requests per row")
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bars not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = postgres_url()
    recreate_database(url)
    district = setup(args.grids, args.buildings)
    passed = bench(district, args.repeat)
    if args.quick:
        print("quick run: ran end to end (bars not enforced)")
        return 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

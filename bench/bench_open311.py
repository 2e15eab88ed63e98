#!/usr/bin/env python
"""Open311 on PostgreSQL: GET requests latency at scale and POST requests rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_o311bench .venv/bin/python bench/bench_open311.py \
        --published 100000 --internal 100000

The database named in DATABASE_URL is dropped and created afresh, migrated, and given the demo district.
Then ``--published`` citizen cases (what Open311 publishes) and ``--internal`` patrol cases (what it must
skip) are written with bulk inserts over the last 120 days, a third of the published ones with a photo, and:

(a) each GET query is requested ``--repeat`` times through Django's test client (routing, parsing, the
    selectors, rendering all 1,000 rows to JSON or XML): p50 / p95 of the whole request, and its query count.
    Bar: p95 under 300 ms for a full page of 1,000 requests.
(b) ``--creates`` POST requests (form-encoded, one API key, rate limit off): requests per second.

Exit status 1 over the bar. ``--quick`` is CI's smoke run (4,000 cases; the bar not enforced).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from cases.models import Attachment, Case, Category, Source  # noqa: E402
from cases.workflow import Status  # noqa: E402
from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level  # noqa: E402
from intake.keys import integration_create  # noqa: E402

BAR_LIST_P95_MS = 300.0
QUICK = {"published": 2000, "internal": 2000, "grids": 100, "repeat": 5, "creates": 20}


def setup(grids: int):
    recreate_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    return build_district(grids=grids, seed=2024).district


def fill(published: int, internal: int, seed=7):
    """Bulk inserts of 5,000 cases each, every one committed on its own."""
    rng = random.Random(seed)
    grids = list(Area.objects.filter(level=Level.GRID).exclude(centroid_lat=None))
    categories = list(Category.objects.filter(parent__isnull=False).exclude(parent__code__in=["06", "10"]))
    statuses = [
        Status.REPORTED,
        Status.FILED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.CLOSED,
        Status.VOIDED,
    ]
    now = timezone.now()
    started = time.monotonic()
    for source, count, prefix in ((Source.CITIZEN, published, "P"), (Source.PATROL, internal, "I")):
        for chunk in range(0, count, 5000):
            rows = []
            for k in range(chunk, min(count, chunk + 5000)):
                grid = rng.choice(grids)
                rows.append(
                    Case(
                        number=f"{prefix}{k:08d}",
                        title="基准",
                        description="东门外生活垃圾堆放",
                        category=rng.choice(categories),
                        source=source,
                        status=rng.choice(statuses),
                        area=grid,
                        area_code=grid.code,
                        lat=grid.centroid_lat,
                        lon=grid.centroid_lon,
                        reported_at=now - timedelta(seconds=rng.randint(0, 120 * 86400)),
                    )
                )
            created = Case.objects.bulk_create(rows)
            if source == Source.CITIZEN:
                Attachment.objects.bulk_create(
                    Attachment(
                        case=c,
                        kind="before",
                        file=f"bench/{c.pk}.jpg",
                        thumbnail=f"bench/{c.pk}.t.jpg",
                        mime="image/jpeg",
                        size=1,
                        sha256="0" * 64,
                    )
                    for c in created[::3]
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled {published} published + {internal} internal cases in {time.monotonic() - started:.1f}s")


def timed(client, url, repeat):
    queries = []  # counted by a wrapper: the test client's request_started signal resets the query log
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries), response


def bench_list(repeat):
    client = Client()
    some_ids = ",".join(Case.objects.filter(source="citizen").values_list("public_id", flat=True)[:200])
    print(f"\n(a) GET, {repeat} runs each (p50 / p95 ms, queries, rows)")
    worst = 0.0
    for label, url in (
        ("requests.json, default 90 days", "/open311/v2/requests.json"),
        ("requests.xml, default 90 days", "/open311/v2/requests.xml"),
        ("requests.json, status=open", "/open311/v2/requests.json?status=open"),
        ("requests.json, one service_code", "/open311/v2/requests.json?service_code=01001"),
        ("requests.json, 200 service_request_id", f"/open311/v2/requests.json?service_request_id={some_ids}"),
        ("services.json", "/open311/v2/services.json"),
    ):
        p50, p95, queries, response = timed(client, url, repeat)
        rows = len(json.loads(response.content)) if url.split("?")[0].endswith(".json") else "-"
        if "requests" in url:
            worst = max(worst, p95)
        print(f"    {label:40} {p50:7.1f} / {p95:7.1f}   {queries:2} queries   {rows} rows")
    print(
        f"    bar: p95 < {BAR_LIST_P95_MS:.0f} ms for 1,000 rows  "
        f"{'PASS' if worst < BAR_LIST_P95_MS else 'FAIL'}"
    )
    return worst < BAR_LIST_P95_MS


def bench_create(count):
    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_RATE_LIMIT": 0}
    _integration, key = integration_create(name="bench client", kind="open311")
    grids = list(Area.objects.filter(level=Level.GRID).exclude(centroid_lat=None)[:50])
    client = Client()

    def body(k):
        grid = grids[k % len(grids)]
        return {
            "api_key": key,
            "service_code": "01001",
            "lat": grid.centroid_lat,
            "long": grid.centroid_lon,
            "description": f"基准测试 {k}",
            "email": "bench@example.org",
            "first_name": "明",
            "last_name": "王",
        }

    for k in range(10):  # warm up
        assert client.post("/open311/v2/requests.json", body(k)).status_code == 200
    started = time.perf_counter()
    for k in range(count):
        response = client.post("/open311/v2/requests.json", body(k + 10))
        assert response.status_code == 200, response.content
    rate = count / (time.perf_counter() - started)
    print(f"\n(b) POST requests.json, {count} requests, one process: {rate:.1f} requests/s")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--published", type=int, default=100_000)
    parser.add_argument("--internal", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bar not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database (it is dropped and recreated).")
    setup(args.grids)
    fill(args.published, args.internal)
    passed = bench_list(args.repeat)
    bench_create(args.creates)
    if args.quick:
        print("quick run: ran end to end (bar not enforced)")
        return 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

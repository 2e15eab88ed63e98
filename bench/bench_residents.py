#!/usr/bin/env python
"""Time the residents demo for a 300-grid district and the coverage / list reads on top of it.

    GRIDGOV_VAR_DIR=/tmp/gg-bench .venv/bin/python bench/bench_residents.py [--grids 300] [--quick]

Uses the database of the settings: SQLite under GRIDGOV_VAR_DIR, or DATABASE_URL (a PostgreSQL database
there is dropped and created afresh: its name must start with ``gg_`` or ``bench``). Migrates it and rolls
everything the run writes back at the end. ``--quick`` is CI's smoke run (30 grids).
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from grids.demo import build_district  # noqa: E402
from grids.models import Level, User  # noqa: E402
from residents import demo, visits  # noqa: E402
from residents.models import Person  # noqa: E402
from residents.selectors import person_list  # noqa: E402


class Rollback(Exception):
    pass


def run(grids):
    t = time.perf_counter()
    district = build_district(grids=grids, seed=2024).district
    print(f"tree of {grids} grids: {time.perf_counter() - t:.1f} s")
    out = io.StringIO()
    t = time.perf_counter()
    demo.load(district=district, seed=2024, stdout=out)
    print(f"residents demo: {time.perf_counter() - t:.1f} s  ({out.getvalue()})")
    root = User.objects.filter(is_superuser=True).first()
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            rows = visits.coverage_by_area(root, month=timezone.localdate(), level=level)
        assert rows, f"no coverage rows by {level}"
        print(
            f"coverage by {level}: {len(rows)} rows, {len(q)} queries, "
            f"{1000 * (time.perf_counter() - t):.0f} ms"
        )
    t = time.perf_counter()
    page = list(person_list(root).order_by("area__code", "id")[:50])
    assert page, "the person list is empty"
    print(
        f"person list page of {len(page)} (of {Person.objects.count()}): "
        f"{1000 * (time.perf_counter() - t):.0f} ms"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="CI's smoke run (30 grids)")
    args = parser.parse_args()
    if args.quick:
        args.grids = 30
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        recreate_database(url)
    call_command("migrate", verbosity=0)
    try:
        with transaction.atomic():
            run(args.grids)
            raise Rollback
    except Rollback:
        pass
    if args.quick:
        print("quick run: ran end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

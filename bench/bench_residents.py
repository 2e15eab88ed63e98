"""Time the residents demo for a 300-grid district and the coverage / list reads on top of it.

    GRIDGOV_VAR_DIR=/tmp/gg-bench .venv/bin/python bench/bench_residents.py [grids]

Uses its own database under GRIDGOV_VAR_DIR (migrated on the fly) and rolls everything back at the end.
"""

import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


class Rollback(Exception):
    pass


def main(grids=300):
    call_command("migrate", verbosity=0)
    from grids.demo import build_district
    from grids.models import Level, User
    from residents import demo, visits
    from residents.models import Person
    from residents.selectors import person_list

    try:
        with transaction.atomic():
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
                print(
                    f"coverage by {level}: {len(rows)} rows, {len(q)} queries, "
                    f"{1000 * (time.perf_counter() - t):.0f} ms"
                )
            t = time.perf_counter()
            page = list(person_list(root).order_by("area__code", "id")[:50])
            print(
                f"person list page of {len(page)} (of {Person.objects.count()}): "
                f"{1000 * (time.perf_counter() - t):.0f} ms"
            )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)

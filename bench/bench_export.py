#!/usr/bin/env python
"""The case list exported to xlsx at scale (issue 21 §3): ``cases.exports`` writing a 100,000-row list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_exportbench .venv/bin/python bench/bench_export.py \
        --rows 100000

The database named in DATABASE_URL is dropped and created afresh (``--reuse`` keeps it and tops it up),
migrated and given the demo district; the cases are topped up by ``bench/fill.py``. The district centre then
asks for its whole list (``export_request``: the count against the cap) and the worker's job writes it
(``export_run``: the rows read 2,000 at a time with the progress counted after each, the workbook, the
stored file), ``--repeat`` times: seconds for each, the rows and the file's size. Bar: a 100,000-row export
under 30 s. ``--quick`` is CI's smoke run (a few thousand cases, bar not enforced). Exit status 1 when the bar
fails.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")  # no query log: it would grow without bound over 100,000 rows
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from fill import fill as fill_cases  # noqa: E402  (bench/ is the script's folder, first on sys.path)
from throwaway import recreate_database  # noqa: E402

from cases import exports  # noqa: E402
from cases.models import Case, CaseExport  # noqa: E402
from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level, Membership, Role  # noqa: E402

BAR_SECONDS = 30.0
QUICK = {"rows": 3000, "grids": 200, "repeat": 1, "stories": 300}


def setup(grids: int, reuse: bool):
    call_command("migrate", verbosity=0)
    district = Area.objects.filter(level=Level.DISTRICT).first() if reuse else None
    if district is None:
        started = time.monotonic()
        district = build_district(grids=grids, seed=2024).district
        print(f"district: {grids} grids in {time.monotonic() - started:.1f}s")
    return district


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--quick", action="store_true", help="CI's smoke run: small, bar not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if not args.reuse:
        recreate_database(os.environ["DATABASE_URL"])
    district = setup(args.grids, args.reuse)
    if Case.objects.count() < args.rows:
        result = fill_cases(district, args.rows, stories=args.stories, log=print)
        print(f"filled {result['cases']:,} cases in {result['seconds']:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
    centre = Membership.objects.filter(role=Role.DISTRICT_CENTRE, is_active=True).first().user
    settings.GRIDGOV = {**settings.GRIDGOV, "CASE_EXPORT_MAX_ROWS": max(args.rows, Case.objects.count())}
    timings = []
    for round_ in range(args.repeat):
        started = time.perf_counter()
        export = exports.export_request(actor=centre, params={"queue": "all"})
        done = exports.export_run(export.pk)
        seconds = time.perf_counter() - started
        assert done is not None and done.status == CaseExport.Status.DONE, done
        size = default_storage.size(done.file.name)
        rows = f"{done.done:,} of {done.total:,} rows"
        print(f"  round {round_ + 1}: {rows}, {size / 1e6:.1f} MB in {seconds:.2f} s")
        default_storage.delete(done.file.name)
        timings.append(seconds)
    median = statistics.median(timings)
    verdict = "PASS" if median < BAR_SECONDS else "FAIL"
    bar = f"bar {BAR_SECONDS:.0f} s"
    print(f"export of the district's list: median {median:.2f} s of {args.repeat} ({bar}) {verdict}")
    return 0 if args.quick or median < BAR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

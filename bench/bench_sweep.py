#!/usr/bin/env python
"""The deadline sweep on PostgreSQL: an empty sweep at 100,000 and 1,000,000 open cases, and 10,000
overdue cases escalated in one sweep.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench_sweep .venv/bin/python bench/bench_sweep.py

The database named in DATABASE_URL is dropped and created afresh (its name must start with ``gg_`` or
``bench``), migrated, and given the test tree (8 grids, staff, a department with a handler). Open cases
are written with one ``INSERT … SELECT generate_series`` per step: dispatched, handling stage running, due
1–30 days ahead. Then:

(a) empty sweep (nothing due) at each size: median and max of ``--repeat`` runs, and the queries it ran;
(b) ``--overdue`` of the million made due ten minutes ago; one sweep turns each red, climbs it one level,
    writes its hash-chained "overdue" event and notifies the next level's staff and the handler;
(c) the empty sweep again, with those cases red (the red ones must not be re-read).

Bars: (b) under 10 s; (a) and (c) under 50 ms, flat between 100,000 and 1,000,000. Exit status 1 when
one fails. The cases go in with one statement per 100,000 rows (each commits). ``--quick`` is CI's smoke
run: a few thousand cases, every step run and checked, bars not enforced.
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
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench-sweep")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from cases.events import verify_chain  # noqa: E402
from cases.models import Case, CaseEvent, Category  # noqa: E402
from dispatch import notifications  # noqa: E402
from dispatch.models import Notification  # noqa: E402
from dispatch.sweep import sweep  # noqa: E402
from tests.factories import build_tree  # noqa: E402

BAR_ESCALATE_S = 10.0
BAR_EMPTY_MS = 50.0
STEP = 100_000  # cases per INSERT statement (each one commits)
QUICK = {"sizes": "2000,4000", "overdue": 500, "repeat": 5}


def setup():
    call_command("migrate", verbosity=0)
    return build_tree()


def fill(tree, first: int, count: int, now):
    """``count`` open, dispatched cases numbered from ``first``, spread over the 8 grids, none due."""
    category = Category.objects.get(code="01001")
    grids = tree.grids
    grid_ids = "ARRAY[" + ",".join(str(g.pk) for g in grids) + "]"
    grid_codes = "ARRAY[" + ",".join(f"'{g.code}'" for g in grids) + "]"
    explicit = {
        "number": "'B' || lpad(g::text, 9, '0')",
        "public_id": "'b' || lpad(g::text, 11, '0')",
        "title": "'bench case ' || g",
        "category_id": str(category.pk),
        "area_id": f"({grid_ids})[1 + g % {len(grids)}]".replace("%", "%%"),
        "area_code": f"({grid_codes})[1 + g % {len(grids)}]".replace("%", "%%"),
        "status": "'dispatched'",
        "level": "'grid'",
        "handling_department_id": str(tree.departments[0].pk),
        "reported_at": "%(now)s - interval '2 hours'",
        "filed_at": "%(now)s - interval '2 hours'",
        "dispatched_at": "%(now)s - interval '1 hour'",
        "stage": "'handle'",
        "stage_started_at": "%(now)s - interval '1 hour'",
        "stage_limit_unit": "'natural_hours'",
        "stage_due_at": "%(now)s + (1 + g %% 30) * interval '1 day'",
        "stage_warn_at": "%(now)s + (1 + g %% 30) * interval '1 day' - interval '1 hour'",
        "created_at": "%(now)s",
        "updated_at": "%(now)s",
    }
    columns, values = [], []
    for field in Case._meta.concrete_fields:
        if field.primary_key or field.generated:  # the database computes generated columns
            continue
        columns.append(f'"{field.column}"')
        if field.name in explicit or field.attname in explicit:
            values.append(explicit.get(field.name) or explicit[field.attname])
        elif field.null:
            values.append("NULL")
        else:
            values.append(_literal(field.get_default()))
    sql = (
        f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {', '.join(values)} "
        "FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g"
    )
    with connection.cursor() as cursor:
        for start in range(first, first + count, STEP):
            last = min(first + count, start + STEP) - 1
            cursor.execute(sql, {"now": now, "first": start, "last": last})
        cursor.execute("ANALYZE cases_case")


def _literal(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value) + "'"
    return "'" + str(value).replace("'", "''") + "'"


def empty_sweeps(now, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = sweep(now=now)
        times.append((time.perf_counter() - started) * 1000)
        assert result.overdue == result.climbed == result.warned == 0, result
    with CaptureQueriesContext(connection) as ctx:
        sweep(now=now)
    return statistics.median(times), max(times), len(ctx.captured_queries)


def make_overdue(count, now):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET stage_due_at = %(now)s - interval '10 minutes', "
            "stage_warn_at = %(now)s - interval '20 minutes' "
            "WHERE id IN (SELECT id FROM cases_case ORDER BY md5(id::text) LIMIT %(count)s)",
            {"now": now, "count": count},
        )
        cursor.execute("ANALYZE cases_case")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--overdue", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bars not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    recreate_database(url)
    tree = setup()

    # No broker here: the inbox rows are the measure.
    notifications.publish = lambda *args, **kwargs: None
    now = timezone.now()
    filled, ok = 0, True
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        fill(tree, filled + 1, size - filled, now)
        filled = size
        print(f"filled {size:>9,} open cases in {time.perf_counter() - started:6.1f} s")
        median, worst, queries = empty_sweeps(now, args.repeat)
        ok &= median < BAR_EMPTY_MS
        print(
            f"  empty sweep at {size:>9,}: median {median:6.2f} ms, max {worst:6.2f} ms, {queries} queries"
            f"  (bar < {BAR_EMPTY_MS:.0f} ms)"
        )

    make_overdue(args.overdue, now)
    started = time.perf_counter()
    result = sweep(now=now)
    elapsed = time.perf_counter() - started
    assert result.overdue == args.overdue, result
    ok &= elapsed < BAR_ESCALATE_S
    events = CaseEvent.objects.filter(kind="overdue").count()
    notices = Notification.objects.filter(kind="overdue").count()
    print(
        f"escalated {result.overdue:,} of {args.overdue:,} overdue cases among {filled:,} in {elapsed:.2f} s "
        f"({result.overdue / elapsed:,.0f}/s; bar < {BAR_ESCALATE_S:.0f} s): {events:,} events, "
        f"{notices:,} notifications"
    )
    sample = Case.objects.filter(alert="red").order_by("?").first()
    assert sample.level == "community" and verify_chain(sample.events.order_by("seq")) is None
    median, worst, queries = empty_sweeps(now, args.repeat)
    ok &= median < BAR_EMPTY_MS
    print(
        f"  empty sweep after, {args.overdue:,} red: median {median:6.2f} ms, max {worst:6.2f} ms, "
        f"{queries} queries"
    )
    if args.quick:
        print("quick run: ran end to end (bars not enforced)")
        return 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

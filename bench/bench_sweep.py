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

Bars: (b) under 10 s; (a) and (c) under 50 ms, flat between 100,000 and 1,000,000.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from throwaway import recreate_database  # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench-sweep")

BAR_ESCALATE_S = 10.0
BAR_EMPTY_MS = 50.0


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from tests.factories import build_tree

    return build_tree()


def fill(tree, first: int, count: int, now):
    """``count`` open, dispatched cases numbered from ``first``, spread over the 8 grids, none due."""
    from django.db import connection

    from cases.models import Case, Category

    category = Category.objects.get(code="01001")
    grids = tree.grids
    grid_ids = "ARRAY[" + ",".join(str(g.pk) for g in grids) + "]"
    grid_codes = "ARRAY[" + ",".join(f"'{g.code}'" for g in grids) + "]"
    explicit = {
        "number": "'B' || lpad(g::text, 9, '0')",
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
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in explicit or field.attname in explicit:
            values.append(explicit.get(field.name) or explicit[field.attname])
        elif field.null:
            values.append("NULL")
        else:
            default = field.get_default()
            values.append(str(_literal(default)))
    sql = (
        f"INSERT INTO cases_case ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM generate_series({first}, {first + count - 1}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now})
        cursor.execute("ANALYZE cases_case")


def _literal(value):
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value) + "'"
    return "'" + str(value).replace("'", "''") + "'"


def empty_sweeps(now, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.sweep import sweep

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
    from django.db import connection

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
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    recreate_database(url)
    tree = setup()

    from django.utils import timezone

    from cases.events import verify_chain
    from cases.models import Case, CaseEvent
    from dispatch import notifications
    from dispatch.models import Notification

    notifications.publish = lambda ids, urgent=False: None  # no broker here: the inbox rows are the measure
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
    from dispatch.sweep import sweep

    started = time.perf_counter()
    result = sweep(now=now)
    elapsed = time.perf_counter() - started
    ok &= elapsed < BAR_ESCALATE_S and result.overdue == args.overdue
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
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

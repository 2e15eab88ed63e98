#!/usr/bin/env python
"""Time a task sent to every grid of a large district and its progress reads.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_tasks.py \
        [--grids 3000] [--targets 100000] [--repeat 30] [--quick]

Builds the demo tree of ``--grids`` grids and ``--targets`` buildings spread over them, publishes an admission
list, then times ``tasks.services.task_create`` for the whole district with a building per target (one
assignment per grid, the targets, the chained event) twice (the second over the first's stored targets),
and the progress read (``tasks.selectors.progress`` and
its serializer, what ``GET /api/v1/tasks/{id}/progress/`` answers) for the district (per street) and for a
street (per community), as the centre sees them. Bars: creation < 5 s, progress p95 < 200 ms.

The database is dropped and created afresh (its name must start with ``gg_`` or ``bench``, or end in
``_bench``). ``--quick`` is CI's smoke run (300 grids, 5,000 targets; bars not enforced).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level, Membership, Role  # noqa: E402
from residents.models import Building  # noqa: E402
from tasks import selectors, services  # noqa: E402
from tasks.models import AdmissionItem  # noqa: E402
from tasks.serializers import ProgressSerializer  # noqa: E402
from worktime.calendar import is_working_day  # noqa: E402
from worktime.calendar.schedule import LOCAL_TZ  # noqa: E402


def _fill(grids_n, targets_n):
    t = time.perf_counter()
    build_district(grids=grids_n, seed=2024)
    grids = list(Area.objects.filter(level=Level.GRID).order_by("code").values_list("pk", "code"))
    print(f"tree of {len(grids)} grids: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    rows = [
        Building(area_id=grids[i % len(grids)][0], code=f"BENCH-{i}", name=f"{i % 40 + 1}栋")
        for i in range(targets_n)
    ]
    Building.objects.bulk_create(rows, batch_size=5000)
    print(f"{targets_n} buildings: {time.perf_counter() - t:.1f} s")


def _deadline():
    day = timezone.now().astimezone(LOCAL_TZ).date() + dt.timedelta(days=10)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(17, 30), LOCAL_TZ)


def _timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    times.sort()
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]


def _breakdown(queries, total):
    """Where ``task_create``'s time went: its slowest statements, and the rest (Python and the commit)."""
    spent = sum(float(q["time"]) for q in queries)
    for q in sorted(queries, key=lambda q: -float(q["time"]))[:4]:
        print(f"  {float(q['time']):.2f} s  {q['sql'][:100]}")
    print(f"  {total - spent:.2f} s  outside the statements (Python, the commit)")


def run(grids_n, targets_n, repeat) -> bool:
    _fill(grids_n, targets_n)
    district = Area.objects.get(level=Level.DISTRICT)
    centre = Membership.objects.filter(role=Role.DISTRICT_CENTRE).select_related("user").first().user
    services.admission_list_publish(
        actor=centre,
        version=1,
        title="清单",
        approved_by="区政府",
        approved_on=dt.date(2026, 1, 1),
        effective_from=dt.date(2026, 1, 1),
        items=[
            {
                "code": "C02",
                "name": "燃气安全",
                "item_class": "安全隐患巡查",
                "basis": "条例",
                "grid_action": "patrol",
            }
        ],
    )
    item = AdmissionItem.objects.get(code="C02")
    form = [
        {
            "code": "ok",
            "label": "正常",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "y", "name": "是"}, {"key": "n", "name": "否"}],
        }
    ]
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as q:
        task = services.task_create(
            actor=centre,
            title="燃气安全专项排查",
            item=item,
            fields=form,
            selection={"subtree": district.code},
            target_kind="building",
            starts_at=timezone.now(),
            deadline=_deadline(),
        )
    created = time.perf_counter() - t
    print(
        f"task_create: {task.grids} assignments, {task.targets} targets in {created:.2f} s ({len(q)} queries)"
        f"  bar < 5 s"
    )
    _breakdown(q.captured_queries, created)
    # A second campaign over the same objects: its cost must not grow with the targets already stored.
    t = time.perf_counter()
    second = services.task_create(
        actor=centre,
        title="燃气安全专项复查",
        item=item,
        fields=form,
        selection={"subtree": district.code},
        target_kind="building",
        starts_at=timezone.now(),
        deadline=_deadline(),
    )
    again = time.perf_counter() - t
    print(f"task_create again ({second.targets} targets, {task.targets} stored): {again:.2f} s  bar < 5 s")
    street = Area.objects.filter(level=Level.STREET).order_by("code").first()
    ok = created < 5 and again < 5
    for label, area in (("district (per street)", None), ("a street (per community)", street)):

        def read(area=area):
            return ProgressSerializer(selectors.progress(task, user=centre, area=area)).data

        with CaptureQueriesContext(connection) as q:
            read()
        p50, p95 = _timed(read, repeat)
        print(f"progress, {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, {len(q)} queries  bar p95 < 200 ms")
        ok = ok and p95 < 200
    return ok


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="CI's smoke run (300 grids, 5,000 targets)")
    args = parser.parse_args()
    if args.quick:
        args.grids, args.targets, args.repeat = 300, 5000, 5
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a throwaway PostgreSQL database.", file=sys.stderr)
        return 2
    recreate_database(url)
    call_command("migrate", verbosity=0)
    ok = run(args.grids, args.targets, args.repeat)
    if args.quick:
        print("quick run: ran end to end")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Volunteers' points (community/) on PostgreSQL: 1,000,000 ledger entries, a balance and a month's ranking.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_points.py

The database named in DATABASE_URL is dropped and created afresh (gg_*, bench*) and migrated. A district of
10 streets × 10 communities × 10 grids gets ``--volunteers`` volunteers (each a register person), and
``--entries`` ledger entries over 12 months (earnings, a few adjustments, redemptions) are written through
the one ledger writer, ``community.services.ledger_append`` (chained hash, balance column, monthly tallies),
in batches of ``--batch``, each its own transaction; the writer's rate is printed. Then, ``--repeat`` times:

(a) one volunteer's balance (the ``balance`` column, one row by primary key) — what the phone page shows;
(b) the latest month's ranking for the district (``selectors.ranking``: the monthly tallies, one index range
    scan and a top-50 sort), and (c) for a street;
and, for comparison only, (d) the same balance summed from the ledger and (e) the district's month summed
from the ledger. The balances and tallies are checked against the ledger's sums. Bars: (a) and (b) p95 under
100 ms at 1,000,000 entries (exit status 1 over a bar). ``--quick`` is CI's smoke run (20,000 entries).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench-points")

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from community import selectors, services  # noqa: E402
from community.models import EntryKind, MonthlyPoints, PointEntry, Volunteer  # noqa: E402
from grids.models import Area, Level  # noqa: E402
from residents.models import Person  # noqa: E402

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))


def _tree():
    district = Area.objects.create(code="430199", name="积分区", level=Level.DISTRICT)
    streets = Area.objects.bulk_create(
        [
            Area(code=f"430199{s:03d}", name=f"街道{s}", level=Level.STREET, parent=district)
            for s in range(1, 11)
        ]
    )
    communities = Area.objects.bulk_create(
        [
            Area(code=f"{st.code}{c:03d}", name=f"社区{st.code[-2:]}{c}", level=Level.COMMUNITY, parent=st)
            for st in streets
            for c in range(1, 11)
        ]
    )
    grids = Area.objects.bulk_create(
        [
            Area(code=f"{co.code}{g:03d}", name=f"网格{co.code[-5:]}{g}", level=Level.GRID, parent=co)
            for co in communities
            for g in range(1, 11)
        ]
    )
    return district, streets, {c.pk: c for c in communities}, grids


def _fill(n_volunteers, n_entries, batch):
    rng = random.Random(20)
    district, streets, communities, grids = _tree()
    t = time.perf_counter()
    persons = Person.objects.bulk_create(
        [Person(area=grids[i % len(grids)], name=f"志愿者{i}") for i in range(n_volunteers)], batch_size=5000
    )
    volunteers = Volunteer.objects.bulk_create(
        [
            Volunteer(
                community=communities[p.area.parent_id],
                area=p.area,
                area_code=p.area.code,
                person=p,
            )
            for p in persons
        ],
        batch_size=5000,
    )
    print(f"{len(grids)} grids, {len(volunteers)} volunteers: {time.perf_counter() - t:.1f} s")
    ids = [v.pk for v in volunteers]
    start = timezone.now() - dt.timedelta(days=365)
    balance = dict.fromkeys(ids, 0)
    written, t = 0, time.perf_counter()
    while written < n_entries:
        size = min(batch, n_entries - written)
        rows = []
        for k in range(size):
            at = start + dt.timedelta(seconds=int(365 * 86400 * (written + k) / n_entries))
            vid = rng.choice(ids)
            roll = rng.random()
            if roll < 0.08 and balance[vid] >= 50:
                kind, points = EntryKind.REDEEM, -50
            elif roll < 0.10:
                kind, points = EntryKind.ADJUST, rng.choice([5, 10, -5]) if balance[vid] >= 5 else 5
            else:
                kind, points = EntryKind.EARN, rng.choice([10, 15, 20, 25, 30])
            balance[vid] += points
            rows.append(PointEntry(volunteer_id=vid, kind=kind, points=points, at=at, reason="bench"))
        services.ledger_append(rows)
        written += size
    took = time.perf_counter() - t
    print(f"{written} ledger entries through ledger_append: {took:.1f} s ({written / took:,.0f} entries/s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return district, streets, ids


def _timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    times.sort()
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]


def run(n_volunteers, n_entries, batch, repeat) -> bool:
    district, streets, ids = _fill(n_volunteers, n_entries, batch)
    rng = random.Random(7)
    month = timezone.localtime(timezone.now()).date().replace(day=1) - dt.timedelta(days=1)
    month = month.replace(day=1)  # the latest complete month

    def balance():
        return Volunteer.objects.filter(pk=rng.choice(ids)).values_list("balance", flat=True).get()

    def balance_from_ledger():
        return PointEntry.objects.filter(volunteer_id=rng.choice(ids)).aggregate(s=Sum("points"))["s"]

    ok = True
    checks = [
        ("(a) a balance (column)", balance, 100),
        ("(b) month ranking, district", lambda: selectors.ranking(area_code=district.code, month=month), 100),
        (
            "(c) month ranking, a street",
            lambda: selectors.ranking(area_code=streets[0].code, month=month),
            None,
        ),
        ("(d) a balance summed from the ledger", balance_from_ledger, None),
        (
            "(e) the district's month summed from the ledger",
            lambda: selectors.earned_in_month_from_ledger(area_code=district.code, month=month),
            None,
        ),
    ]
    for label, fn, bar in checks:
        with CaptureQueriesContext(connection) as q:
            fn()
        p50, p95 = _timed(fn, repeat if bar or "(c)" in label else max(3, repeat // 10))
        verdict = f"  bar p95 < {bar} ms" if bar else "  (comparison)"
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(q)} queries{verdict}")
        if bar:
            ok = ok and p95 < bar
    ledger_month = selectors.earned_in_month_from_ledger(area_code=district.code, month=month)
    total = Volunteer.objects.aggregate(s=Sum("balance"))["s"]
    ledger_total = PointEntry.objects.aggregate(s=Sum("points"))["s"]
    tallies = MonthlyPoints.objects.filter(month=month).aggregate(s=Sum("earned"))["s"]
    consistent = total == ledger_total and ledger_month == tallies
    print(
        f"balances = ledger ({total} = {ledger_total}); month tallies = ledger ({tallies} = {ledger_month}): "
        f"{'ok' if consistent else 'MISMATCH'}"
    )
    return ok and consistent


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--quick", action="store_true", help="CI's smoke run (2,000 volunteers, 20,000 entries)"
    )
    args = parser.parse_args()
    if args.quick:
        args.volunteers, args.entries, args.repeat = 2000, 20_000, 5
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a throwaway PostgreSQL database.", file=sys.stderr)
        return 2
    recreate_database(url)
    call_command("migrate", verbosity=0)
    ok = run(args.volunteers, args.entries, args.batch, args.repeat)
    if args.quick:
        print("quick run: ran end to end")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

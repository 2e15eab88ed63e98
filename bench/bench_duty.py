#!/usr/bin/env python
"""Time saving a year of duty rosters for 50 units, and the "on duty now" read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_duty.py \
        [--units 50] [--days 365] [--repeat 30] [--quick]

Builds the demo tree (400 grids: the district, 8 streets, some 50 communities, each with its staff and grid
teams), draws each unit's rota for ``--days`` days on the working calendar (``duty.rota.rota_plan``: a leader
and an officer per shift, nights after working days, days and nights on rest days and holidays), then times
``duty.services.rosters_save`` of every unit at once — one query for the units' people, one for their periods,
one for the shifts they already hold, the rows checked as tuples and for overlaps in one sort, one COPY, one
chained append of the 50 events — and publishes them (``--each``: one ``roster_save`` per unit instead).
Then ``duty.selectors.on_duty`` for the centre (every unit) and for a community's staff.
Bar: the 50 units' year saves in under 1 s in all.

The database is dropped and created afresh (its name must start with ``gg_`` or ``bench``, or end in
``_bench``). ``--quick`` is CI's smoke run (10 units, 60 days; bars not enforced).
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
from throwaway import recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from duty import rota, selectors, services  # noqa: E402
from duty.models import Shift  # noqa: E402
from grids.demo import build_district  # noqa: E402
from grids.models import Area, Level, Membership, Role  # noqa: E402

UNIT_ROLES = {
    Level.DISTRICT: [Role.DISTRICT_CENTRE, Role.LEADER_READONLY],
    Level.STREET: [Role.STREET_STAFF],
    Level.COMMUNITY: [Role.COMMUNITY_STAFF],
}


def _units(n):
    units = list(
        Area.objects.filter(level__in=list(UNIT_ROLES), is_active=True).order_by("level", "code")
    )  # community < district < street alphabetically: sort by depth instead
    units.sort(key=lambda a: (len(a.code), a.code))
    return units[:n]


def _plan(unit, starts_on, ends_on):
    staff = list(
        Membership.objects.filter(area=unit, role__in=UNIT_ROLES[unit.level], is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    team = []
    if unit.level == Level.COMMUNITY:
        team = list(
            Membership.objects.filter(area__parent=unit, role__in=[Role.GRID_WORKER, Role.GRID_LEADER])
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    leaders, officers = (staff, team) if team else (staff[:1], staff[1:])
    shifts = rota.rota_plan(
        unit=unit, starts_on=starts_on, ends_on=ends_on, leaders=leaders, officers=officers
    )
    return staff[0], shifts


def _timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    times.sort()
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]


def _save_each(centre, plans, starts_on, ends_on, total_shifts):
    """The units one ``roster_save`` each (what a planner's page does)."""
    each, queries, rosters = [], [], []
    started = time.perf_counter()
    for unit, leader, shifts in plans:
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            rosters.append(
                services.roster_save(
                    actor=centre,
                    unit=unit,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    leader=leader,
                    shifts=shifts,
                )
            )
        each.append(1000 * (time.perf_counter() - t))
        queries.append(len(q))
    saved = time.perf_counter() - started
    print(
        f"roster_save x {len(plans)}: {saved:.2f} s in all ({total_shifts / saved:,.0f} shifts/s); "
        f"per unit-year median {statistics.median(each):.0f} ms, max {max(each):.0f} ms, "
        f"{min(queries)}-{max(queries)} queries"
    )
    return rosters, saved


def _save_batch(centre, plans, starts_on, ends_on, total_shifts):
    """Every unit's year in one ``rosters_save`` (the centre drawing up the year for the district)."""
    drafts = [
        services.RosterDraft(unit=unit, starts_on=starts_on, ends_on=ends_on, leader=leader, shifts=shifts)
        for unit, leader, shifts in plans
    ]
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as q:
        rosters = services.rosters_save(actor=centre, drafts=drafts)
    saved = time.perf_counter() - t
    print(
        f"rosters_save of {len(plans)} units: {saved:.2f} s ({total_shifts / saved:,.0f} shifts/s), "
        f"{len(q)} queries  bar < 1 s"
    )
    return rosters, saved


def run(units_n, days, repeat, each_unit=False) -> bool:
    t = time.perf_counter()
    build_district(grids=400, seed=2024)
    print(f"tree of 400 grids: {time.perf_counter() - t:.1f} s")
    units = _units(units_n)
    centre = Membership.objects.filter(role=Role.DISTRICT_CENTRE).select_related("user").first().user
    starts_on = dt.date(2027, 1, 1)
    ends_on = starts_on + dt.timedelta(days=days - 1)
    plans = [(unit, *_plan(unit, starts_on, ends_on)) for unit in units]
    total_shifts = sum(len(shifts) for _u, _l, shifts in plans)
    print(f"{len(units)} units, {total_shifts} shifts drawn for {days} days")
    if each_unit:
        rosters, saved = _save_each(centre, plans, starts_on, ends_on, total_shifts)
    else:
        rosters, saved = _save_batch(centre, plans, starts_on, ends_on, total_shifts)
    t = time.perf_counter()
    for roster in rosters:
        services.roster_publish(actor=centre, roster_id=roster.pk)
    print(f"roster_publish x {len(rosters)}: {time.perf_counter() - t:.2f} s")
    assert Shift.objects.count() == total_shifts
    community_staff = (
        Membership.objects.filter(role=Role.COMMUNITY_STAFF, area__in=units)
        .select_related("user")
        .first()
        .user
    )
    at = dt.datetime.combine(starts_on + dt.timedelta(days=days // 2), dt.time(23), dt.UTC)
    for label, user in (("the centre (every unit)", centre), ("a community's staff", community_staff)):

        def read(user=user):
            return list(selectors.on_duty(user, at=at))

        with CaptureQueriesContext(connection) as q:
            rows = read()
        p50, p95 = _timed(read, repeat)
        print(f"on_duty, {label}: {len(rows)} on duty, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(q)} queries")
    return saved < 1


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--each", action="store_true", help="save the units one roster_save each (not the bar's figure)"
    )
    parser.add_argument("--quick", action="store_true", help="CI's smoke run (10 units, 60 days)")
    args = parser.parse_args()
    if args.quick:
        args.units, args.days, args.repeat = 10, 60, 5
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a throwaway PostgreSQL database.", file=sys.stderr)
        return 2
    recreate_database(url)
    call_command("migrate", verbosity=0)
    ok = run(args.units, args.days, args.repeat, args.each)
    if args.quick:
        print("quick run: ran end to end")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""What a case transition costs while the Celery broker is down, against the same transitions with it up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench_outbox \\
        .venv/bin/python bench/bench_outbox.py --broker redis://127.0.0.1:6379/2 [--cases 20 | --quick]

The database named in DATABASE_URL is dropped and created afresh (its name must start with ``gg_`` or
``bench``), migrated, and given the test tree; every user gets an e-mail address, so a transition publishes
its notices' e-mail copies as well as the evaluation record's rebuild. ``--cases`` cases are reported, then
filed, dispatched and accepted one action at a time, each action timed from the service call to the end
of its on-commit work (where the publishes happen), as a request would wait for it:

(a) the broker up (``--broker``, a Redis that answers; its queue is flushed afterwards);
(b) the broker down (a port where nothing listens), with the project's production transport options
    (one retry, 0.1–0.2 s apart).

Prints the median, mean and maximum per action for each, and the added time (b − a). There is no bar:
the figure shows whether a broker outage slows every action or only one now and then.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import redis
from throwaway import recreate_database  # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench-outbox")

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
# As gridgov/settings.py sets them when REDIS_URL is given (production).
TRANSPORT = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from tests.factories import build_tree

    tree = build_tree()
    for user in tree.users.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return tree


def use_broker(url):
    """Publish to ``url``, before this process publishes anything (each mode runs in a process of its own)."""
    from gridgov.celery import app

    app.conf.update(task_always_eager=False, broker_url=url, broker_transport_options=TRANSPORT)


def run(tree, cases: int) -> list[float]:
    """Report ``cases`` cases, then file, dispatch and accept each; the seconds each of those actions took."""
    from cases import services
    from cases.models import Category

    rubbish = Category.objects.get(code="01001")
    grid = tree.grids[0]
    u = tree.users
    ids = [
        services.case_report(
            actor=u["worker"],
            category=rubbish,
            title="东门垃圾",
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
        ).case.pk
        for _ in range(cases)
    ]
    steps = [
        lambda pk: services.case_file(case_id=pk, actor=u["community"]),
        lambda pk: services.case_dispatch(case_id=pk, actor=u["community"], department=tree.departments[0]),
        lambda pk: services.case_accept(case_id=pk, actor=u["handler"]),
    ]
    seconds = []
    for pk in ids:
        for step in steps:
            started = time.perf_counter()
            step(pk)  # autocommit outside: the on-commit publishes run before the call returns
            seconds.append(time.perf_counter() - started)
    return seconds


def line(name, ms):
    return (
        f"{name:<12} {len(ms):>4} actions   median {statistics.median(ms):7.1f} ms   "
        f"mean {statistics.fmean(ms):7.1f} ms   max {max(ms):7.1f} ms"
    )


def measure(mode: str, broker: str, cases: int) -> list[float]:
    """One mode in this process, on a fresh database: milliseconds per action."""
    recreate_database(os.environ["DATABASE_URL"])
    tree = setup()
    up = redis.Redis.from_url(broker)
    up.ping()
    use_broker(broker if mode == "up" else DEAD_BROKER)
    from dispatch import notifications

    run(tree, 3)  # warm: connections, caches, prepared statements
    notifications.broker_reset()  # the measured run pays the first refusal too (and any after a pause)
    seconds = run(tree, cases)
    up.flushdb()
    return [s * 1000 for s in seconds]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/2", help="a Redis that answers")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 cases (CI: the bench still runs)")
    parser.add_argument("--mode", choices=["up", "down"], help="(internal) measure one mode and print it")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a throwaway PostgreSQL database (gg_*).")
    if args.quick:
        args.cases = 5
    if args.mode:
        print(json.dumps(measure(args.mode, args.broker, args.cases)))
        return
    ms = {}
    for mode in ("up", "down"):
        out = subprocess.run(
            [sys.executable, __file__, "--mode", mode, "--broker", args.broker, "--cases", str(args.cases)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        ms[mode] = json.loads(out.strip().splitlines()[-1])
    print(line("broker up", ms["up"]))
    print(line("broker down", ms["down"]))
    mean = statistics.fmean(ms["down"]) - statistics.fmean(ms["up"])
    median = statistics.median(ms["down"]) - statistics.median(ms["up"])
    print(f"added by the outage: mean {mean:.1f} ms, median {median:.1f} ms per action")


if __name__ == "__main__":
    main()

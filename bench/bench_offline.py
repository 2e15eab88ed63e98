#!/usr/bin/env python
"""The grid worker's pages on a slow 3G phone (issue 23): bytes and time to the first screen.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_bench .venv/bin/python bench/bench_offline.py

The database named in DATABASE_URL is dropped and created afresh (gg_*, bench*), migrated and given the demo
district (``--grids``). Static files are collected as production has them (whitenoise's hashed names and
gzip copies) and served by whitenoise through a live server; pages are gzipped by Django. Debian's Chromium
then opens each of the worker's shell pages (those the service worker keeps) as a grid worker, from an
empty cache, ``--repeat`` times, under Chromium's network emulation (DevTools
``Network.emulateNetworkConditions``): 400 kbit/s down and up, 400 ms round trip ("slow 3G"), and the CPU
slowed ``--cpu`` times (a modest Android phone). Printed per page: bytes on the wire, p50 / max of the first
contentful paint ("first screen"; bar p50 < 2 s) and of the load event. Over the bar the exit status is 1;
``--quick`` is CI's smoke run (bars not enforced).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("GRIDGOV_OTP_REQUIRED", "false")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("GRIDGOV_VAR_DIR", "/tmp/gridgov-bench")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

import django  # noqa: E402

django.setup()  # the imports below need the apps loaded

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from throwaway import postgres_url, recreate_database  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from grids.demo import build_district  # noqa: E402
from grids.models import Membership, Role  # noqa: E402
from tests.browser import ARGS, CHROMIUM, PHONE  # noqa: E402

BAR_FIRST_SCREEN_MS = 2000.0
PAGES = ["/", "/cases/new/", "/tasks/", "/fieldwork/"]
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
QUICK = {"grids": 20, "repeat": 2}
PASSWORD = "bench-offline-pw"


def setup(grids: int) -> str:
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    demo = build_district(grids=grids, seed=2024)
    worker = Membership.objects.filter(role=Role.GRID_WORKER).order_by("pk").first().user
    worker.set_password(PASSWORD)
    worker.save(update_fields=["password"])
    print(f"district: {demo.counts} in {time.monotonic() - started:.1f}s; worker {worker.username}")
    return worker.username


def static_as_in_production():
    """Hashed names and gzip copies, served by whitenoise (the live server's own static handler is off)."""
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="gridgov-bench-static-")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    started = time.monotonic()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"collectstatic (compressed, hashed) in {time.monotonic() - started:.1f}s")


def serve() -> str:
    thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return f"http://127.0.0.1:{thread.port}"


def login_state(browser, base, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    state = context.storage_state()
    context.close()
    return state


def one_load(browser, state, base, path, cpu):
    """(bytes on the wire, first contentful paint ms, load event ms) of one cold load on slow 3G."""
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", service_workers="block", storage_state=state
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    if cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    wire = []
    cdp.on("Network.loadingFinished", lambda e: wire.append(e["encodedDataLength"]))
    page.goto(f"{base}{path}", wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    timing = page.evaluate(
        """() => {
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            const nav = performance.getEntriesByType('navigation')[0];
            return {fcp: paint ? paint.startTime : null, load: nav.loadEventEnd};
        }"""
    )
    context.close()
    return sum(wire), timing["fcp"], timing["load"]


def bench(base, username, repeat, cpu):
    passed = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        state = login_state(browser, base, username)
        print(
            f"\nslow 3G (400 kbit/s, 400 ms RTT), CPU ÷{cpu}, empty cache, {repeat} loads each; "
            f"bar: first screen p50 < {BAR_FIRST_SCREEN_MS:.0f} ms"
        )
        for path in PAGES:
            runs = [one_load(browser, state, base, path, cpu) for _ in range(repeat)]
            size = statistics.median(r[0] for r in runs)
            fcp = [r[1] for r in runs]
            load = [r[2] for r in runs]
            ok = statistics.median(fcp) < BAR_FIRST_SCREEN_MS
            passed = passed and ok
            print(
                f"  {path:12} {size / 1024:6.1f} KB   first screen p50 {statistics.median(fcp):6.0f} "
                f"max {max(fcp):6.0f} ms   load p50 {statistics.median(load):6.0f} max {max(load):6.0f} ms"
                f"{'' if ok else '   OVER THE BAR'}"
            )
        browser.close()
    return passed


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=300, help="grids of the demo district")
    parser.add_argument("--repeat", type=int, default=5, help="cold loads per page")
    parser.add_argument("--cpu", type=int, default=4, help="CPU slowdown (DevTools), 1 for none")
    parser.add_argument("--quick", action="store_true", help=f"CI's smoke run ({QUICK}); bars not enforced")
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    url = postgres_url()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"needs Debian's Chromium at {CHROMIUM}")
    recreate_database(url)
    username = setup(args.grids)
    static_as_in_production()
    passed = bench(serve(), username, args.repeat, args.cpu)
    if args.quick:
        print("quick run: ran end to end (bars not enforced)")
        return 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

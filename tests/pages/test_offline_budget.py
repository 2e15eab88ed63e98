"""The grid worker's pages on a modest phone (issue 23): each under 150 KB transferred, compressed, before
any photo — the page, its scripts and styles, and what its scripts fetch, from an empty cache.

Bytes, not time: Chromium reports each answer's bytes on the wire (headers and the gzipped body), which do
not depend on the machine (Django's gzip pads each answer by up to 100 bytes against BREACH; the budget
leaves room for that). The time on a slow 3G profile is measured in bench/bench_offline.py."""

import gzip

import pytest
from django.contrib.staticfiles import finders

from tests.browser import PHONE, needs_chromium, shot

BUDGET = 150 * 1024
PAGES = ["/", "/cases/new/", "/tasks/", "/fieldwork/"]  # the service worker's shell pages (static/js/sw.js)


def transferred(browser, state, base, path):
    """[(url, bytes on the wire, compressed?)] of one load of ``path`` from an empty cache. Static files are
    counted as production sends them: whitenoise's pre-compressed copy (gzip level 9), which the test
    server does not serve."""
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", service_workers="block", storage_state=state
    )
    page = context.new_page()
    seen = []
    page.on("requestfinished", lambda r: seen.append(r))
    page.goto(f"{base}{path}", wait_until="networkidle")
    rows = []
    for request in seen:
        url, sizes = request.url[len(base) :], request.sizes()
        body, encoding = sizes["responseBodySize"], request.response().headers.get("content-encoding", "")
        if url.startswith("/static/"):
            found = finders.find(url.split("?")[0][len("/static/") :])
            with open(found, "rb") as f:
                body, encoding = len(gzip.compress(f.read(), compresslevel=9, mtime=0)), "gzip (static)"
        rows.append((url, sizes["responseHeadersSize"] + body, encoding))
    return context, page, rows


@pytest.mark.browser
@needs_chromium
def test_the_workers_pages_are_under_150_kb_compressed(
    transactional_db, tree, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="block")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", "pw-worker")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    state = context.storage_state()
    context.close()
    totals = {}
    for path in PAGES:
        context, page, rows = transferred(browser, state, live_server.url, path)
        totals[path] = sum(size for _url, size, _enc in rows)
        print(f"{path}: {totals[path] / 1024:.1f} KB in {len(rows)} requests")
        for url, size, encoding in sorted(rows, key=lambda r: -r[1]):
            print(f"    {size / 1024:6.1f} KB {encoding or '-':13} {url}")
        # Text goes compressed; nothing of ours is sent as is (icons and photos are compressed already).
        plain = [url for url, size, enc in rows if not enc and size > 2048 and not url.endswith(".png")]
        assert plain == [], f"{path} sends uncompressed: {plain}"
        if path == "/cases/new/":
            shot(page, "offline-budget-report", "phone")
        context.close()
    assert {p: t for p, t in totals.items() if t > BUDGET} == {}

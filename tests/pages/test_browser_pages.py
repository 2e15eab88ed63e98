"""Every main page of every role in Chromium at 360 px and 1366 px: nothing wider than a phone, and where a
unit lands after returning a case. Screenshots go to ``screenshots/`` (``pages-<role>-<page>-<size>.png``)."""

import re

import pytest

from cases.models import Case
from cases.services import case_accept, case_dispatch, case_file
from tests.browser import PHONE, needs_chromium

from .conftest import report
from .test_browser import Session
from .test_words_everywhere import cases_in_every_stage

pytestmark = [pytest.mark.browser, needs_chromium]

WIDE = {"width": 1366, "height": 900}
MAIN_PAGES = {
    "home": "/",
    "cases": "/cases/",
    "report": "/cases/new/",
    "assessment": "/assessment/",
    "stars": "/assessment/stars/",
    "published": "/assessment/published/",
    "command": "/command/",
    "patrol": "/command/patrol/",
    "residents": "/residents/",
    "visits": "/residents/tasks/",
    "coverage": "/residents/coverage/",
    "security": "/accounts/security/",
}
ROLES = ["worker", "community", "street", "handler", "centre"]


def _accepted(tree, rubbish, title):
    case = report(tree, rubbish, title=title)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    return case_accept(case_id=case.pk, actor=tree.users["handler"])


@pytest.mark.parametrize("role", ROLES)  # one test a role: each stays well inside the per-test timeout
def test_every_main_page_fits_a_phone_for_every_role(
    transactional_db, tree, live_server, browser, rubbish, settings, role
):
    settings.LANGUAGE_CODE = "zh-hans"
    cases_in_every_stage(tree, rubbish)
    accepted = _accepted(tree, rubbish, "井盖缺失待延期")
    grid = tree.grids[0]
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    too_wide = []
    for viewport in (PHONE, WIDE):
        who = Session(browser, live_server.url, role, viewport, here)
        pages = dict(MAIN_PAGES)
        pages.update({f"case-{c.pk}": f"/cases/{c.pk}/" for c in Case.objects.order_by("pk")[:4]})
        for name, path in pages.items():
            response = who.page.goto(live_server.url + path)
            if response is None or response.status != 200:
                continue  # not this role's page
            who.page.wait_for_load_state("load")
            who.size = "phone" if viewport == PHONE else "desktop"
            who.shot(f"pages-{role}-{name}")
            if viewport == PHONE and not who.fits():
                too_wide.append(f"{role} {path}")
        if role == "handler":
            # The extension form, with its long unit names, on the phone too.
            who.open_form(accepted, "request-extension")
            who.shot("pages-handler-extension-form")
            if viewport == PHONE and not who.fits():
                too_wide.append("handler extension form")
        who.context.close()
    assert not too_wide, too_wide


def test_a_unit_that_returns_a_case_lands_on_its_queue(
    transactional_db, tree, live_server, browser, rubbish, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    case = report(tree, rubbish, title="不归本单位的案件")
    case_file(case_id=case.pk, actor=tree.users["community"])
    case = case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    grid = tree.grids[0]
    handler = Session(
        browser,
        live_server.url,
        "handler",
        PHONE,
        {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon},
    )
    case = handler.act(case, "return", {"textarea[name=reason]": "属于供水公司职责"})
    assert case.status == "filed"
    page = handler.page
    assert re.search(r"/cases/$", page.url), page.url  # the queue, not the case page (a 404 for them now)
    assert case.number in page.inner_text(".messages") and "已不在您的队列中" in page.inner_text(".messages")
    handler.shot("pages-handler-returned")
    assert handler.fits()

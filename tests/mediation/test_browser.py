"""A dispute walked in Debian's Chromium against a live server, from the monthly screening to a settled
agreement: the grid worker files the screening and records the dispute it found (phone, 360 px); community
staff hold the session, record the agreement and the signatures, follow up and settle it (desktop,
1366 px). Screenshots of each page at both widths."""

import pytest

from mediation import services
from mediation.models import Dispute, Screening
from tests.browser import PHONE, jpeg, needs_chromium, shot

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the screenshots show what users see by default


def _login(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/mediation/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _shots(browser, base, username, path, name):
    for viewport, size in ((PHONE, "360"), (LAPTOP, "1366")):
        page = _login(browser, base, username, viewport)
        page.goto(base + path)
        page.wait_for_load_state()
        shot(page, f"mediation-{name}", size)
        page.context.close()


def test_a_dispute_from_screening_to_settled_agreement(transactional_db, tree, live_server, browser):
    base = live_server.url
    services.mediator_register(
        actor=tree.users["community"], name="刘调解", kind="peoples", area=tree.communities[0]
    )
    # The worker on the phone: this month's screening found something, so the dispute is recorded next.
    worker = _login(browser, base, "worker", PHONE)
    worker.goto(f"{base}/mediation/screening/")
    shot(worker, "mediation-screening", "360")
    worker.fill("#id_note", "走访32户，发现邻里漏水纠纷1起")
    worker.click("#screening-form button[type=submit]")
    worker.wait_for_url("**/mediation/new/?screening=*")
    worker.fill("#id_title", "楼上卫生间漏水致楼下墙面发霉")
    worker.select_option("#id_dispute_type", "neighbour")
    worker.select_option("#id_risk_level", "medium")
    worker.fill("#id_risk_reason", "双方多次争吵")
    worker.fill("#id_p0_name", "张某")
    worker.fill("#id_p0_phone", "13800001111")
    worker.fill("#id_p1_name", "李某")
    shot(worker, "mediation-new", "360")
    worker.click("#dispute-form button[type=submit]")
    worker.wait_for_selector("#dispute-meta")
    dispute = Dispute.objects.get()
    assert dispute.screening == Screening.objects.get() and dispute.source == "screening"
    assert "13800001111" not in worker.content()
    shot(worker, "mediation-recorded", "360")
    worker.context.close()

    # Community staff on the desktop: session, agreement, signatures, follow-up, settled.
    staff = _login(browser, base, "community", LAPTOP)
    staff.goto(f"{base}/mediation/{dispute.pk}/")
    staff.fill("#id_session-place", "社区人民调解室")
    staff.check("#step-session input[name='session-mediators']")
    staff.fill("#id_session-notes", "双方陈述，调解员释明相邻关系规定，502同意维修。")
    staff.click("#step-session button[type=submit]")
    staff.wait_for_selector("#step-conclude")
    assert "社区人民调解室" in staff.inner_text("#sessions")
    shot(staff, "mediation-session", "1366")
    staff.select_option("#id_conclude-outcome", "agreement")
    staff.fill("#id_conclude-agreement_text", "一、502于十日内完成防水维修；二、赔偿402墙面修复费800元。")
    staff.click("#step-conclude button[type=submit]")
    staff.wait_for_selector("#step-signature")
    for party in dispute.parties.order_by("id"):
        staff.select_option("#id_signature-party", str(party.pk))
        staff.set_input_files("#id_signature-file", [jpeg("sign.jpg", (240, 240, 230))])
        staff.click("#step-signature button[type=submit]")
        staff.wait_for_load_state()
    pdf = staff.request.get(f"{base}/mediation/{dispute.pk}/agreement.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    staff.click("#step-follow button[type=submit]")
    staff.wait_for_selector("#step-visit")
    staff.check("#step-visit input[value=yes]")
    staff.fill("#id_visit-note", "回访双方，已维修并赔偿，关系缓和。")
    staff.click("#step-visit button[type=submit]")
    staff.wait_for_selector("#step-settle")
    staff.click("#step-settle button[type=submit]")
    staff.wait_for_selector("#dispute-meta")
    assert staff.inner_text("#d-status") == "已化解"
    assert Dispute.objects.get().status == "settled"
    staff.context.close()

    for path, name in (
        (f"/mediation/{dispute.pk}/", "settled"),
        ("/mediation/", "list"),
        (f"/mediation/{dispute.pk}/agreement/", "agreement"),
        ("/mediation/mediators/", "mediators"),
    ):
        _shots(browser, base, "community", path, name)
    _shots(browser, base, "worker", "/mediation/screening/", "screening-filed")

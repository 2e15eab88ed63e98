"""Alerts (issue 24 §1): subscribe to a report or an area with a verified phone or a checked e-mail address;
a public change sends at once, new reports once a day; every message has a one-click unsubscribe link that
cannot be forged; subscriptions and sends are rate-limited; no phone appears on a public page; the reporter
of a closed report is asked "fixed or still a problem?" by SMS; the centre's page counts by area."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from dispatch.notifications.sms import ConsoleGateway
from intake import phones
from intake.models import SmsMessage
from open311 import alerts
from open311.models import AlertMessage, AlertSubscription
from tests.intake.test_citizens import _close

from .test_public_pages import citizen

pytestmark = pytest.mark.django_db
PHONE = "13700005555"
URL = "/public/reports/alerts/"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {**settings.GRIDGOV, "PUBLIC_BASE_URL": "https://gg.example.cn"}
    cache.clear()
    yield
    cache.clear()


def verified(client, phone=PHONE):
    phones.code_request(phone=phone, ip="10.0.0.9")
    code = SmsMessage.objects.filter(phone=phone, purpose="verify_code").latest("id").params["code"]
    client.cookies[phones.COOKIE] = phones.code_verify(phone=phone, code=code, ip="10.0.0.9")


def subscribe(client, ip="10.3.0.1", **data):
    return client.post(URL, data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def texts(monkeypatch):
    """What the SMS gateway was given (the rows blank their parameters once sent)."""
    sent = []

    def send(self, phone, purpose, params):
        sent.append(SimpleNamespace(phone=phone, purpose=purpose, params=dict(params)))
        return "console"

    monkeypatch.setattr(ConsoleGateway, "send", send)
    return sent


def alert_sms(texts, phone=PHONE):
    return [t for t in texts if t.phone == phone and t.purpose != "verify_code"]


def dispatch(tree, case, oncommit):
    with oncommit(execute=True):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])


def test_a_verified_phone_follows_a_report_and_one_click_stops_it(
    texts, client, tree, django_capture_on_commit_callbacks
):
    case = citizen(tree)
    verified(client)
    response = subscribe(client, report=case.public_id)
    assert response.status_code == 200 and response.context["done"].verified_at is not None
    dispatch(tree, case, django_capture_on_commit_callbacks)
    [sms] = alert_sms(texts)
    assert sms.purpose == "alert_change" and sms.params["number"] == case.public_id
    assert sms.params["link"] == f"https://gg.example.cn/public/reports/{case.public_id}/"
    assert AlertMessage.objects.get().status == "sent"
    stop = sms.params["stop"].removeprefix("https://gg.example.cn")
    assert client.get(stop).status_code == 200  # one click, no login
    assert AlertSubscription.objects.get().ended_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_dispatch(
            case_id=case.pk, actor=tree.users["community"], department=tree.departments[0]
        )
    assert len(alert_sms(texts)) == 1  # unsubscribed: nothing more


def test_an_unsubscribe_link_cannot_be_forged(client, tree):
    case = citizen(tree)
    verified(client)
    subscribe(client, report=case.public_id)
    sub = AlertSubscription.objects.get()
    forged = alerts.unsubscribe_token(sub)[:-2] + "xx"
    assert client.get(f"{URL}stop/{forged}/").status_code == 400
    assert client.get(f"{URL}stop/{sub.pk}/").status_code == 400
    sub.refresh_from_db()
    assert sub.ended_at is None


def test_an_email_counts_only_once_checked_by_its_link(client, tree, django_capture_on_commit_callbacks):
    case = citizen(tree)
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, report=case.public_id, email="Li@Example.org")
    assert response.status_code == 200 and response.context["done"].verified_at is None
    [check] = mail.outbox
    assert check.to == ["li@example.org"]
    dispatch(tree, case, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # not checked yet: no alert
    link = re.search(r"https://gg\.example\.cn(\S+)", check.body).group(1)
    assert client.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_dispatch(
            case_id=case.pk, actor=tree.users["community"], department=tree.departments[0]
        )
    alert = mail.outbox[-1]
    assert case.public_id in alert.subject and "/public/reports/alerts/stop/" in alert.body
    assert AlertMessage.objects.filter(kind="change", status="sent").count() == 1
    assert AlertMessage.objects.get(kind="change").body == ""  # the log keeps no link once sent


def test_bad_input_is_refused_by_field(client, tree):
    case = citizen(tree)
    assert subscribe(client, area=tree.grids[0].code).context["errors"] == {
        "phone": ["请用短信验证码验证手机号，或填写电子邮箱。"]
    }
    bad_email = subscribe(client, area=tree.grids[0].code, email="not-an-address")
    assert bad_email.status_code == 400 and "email" in bad_email.context["errors"]
    verified(client)
    assert "area" in subscribe(client, area="nowhere").context["errors"]
    assert "report" in subscribe(client, report="NOPE").context["errors"]
    _close(tree, case)
    closed = subscribe(client, report=case.public_id)
    assert closed.status_code == 400 and "已办结" in closed.context["errors"]["report"][0]
    assert not AlertSubscription.objects.exists()


def test_subscriptions_are_rate_limited_per_contact_and_per_address(client, tree, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY": 2,
        "ALERT_SUBSCRIPTIONS_PER_IP_PER_DAY": 3,
    }
    verified(client)
    assert subscribe(client, ip="10.4.0.1", area=tree.grids[0].code).status_code == 200
    assert subscribe(client, ip="10.4.0.2", area=tree.grids[1].code).status_code == 200
    refused = subscribe(client, ip="10.4.0.3", area=tree.grids[2].code)
    assert refused.status_code == 429 and refused.context["errors"]["phone"]
    for n in range(3):
        subscribe(client, ip="10.4.0.9", area=tree.grids[0].code, email=f"a{n}@example.org")
    by_address = subscribe(client, ip="10.4.0.9", area=tree.grids[0].code, email="z@example.org")
    assert by_address.status_code == 429 and by_address.context["errors"]["email"]
    assert AlertSubscription.objects.count() == 5


def test_sends_are_capped_per_contact_per_day_and_logged(
    texts, client, tree, settings, django_capture_on_commit_callbacks
):
    settings.GRIDGOV = {**settings.GRIDGOV, "ALERT_SENDS_PER_CONTACT_PER_DAY": 1}
    case = citizen(tree)
    verified(client)
    subscribe(client, report=case.public_id)
    dispatch(tree, case, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_dispatch(
            case_id=case.pk, actor=tree.users["community"], department=tree.departments[0]
        )
    assert len(alert_sms(texts)) == 1
    over = AlertMessage.objects.get(status="failed")
    assert "daily limit" in over.last_error


def test_the_daily_digest_counts_new_reports_in_the_area_once(
    texts, client, tree, django_capture_on_commit_callbacks
):
    verified(client)
    subscribe(client, area=tree.communities[0].code)
    citizen(tree, grid=0), citizen(tree, grid=1), citizen(tree, grid=5)  # grid 5 is elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.digests_send() == 1
    [sms] = alert_sms(texts)
    assert sms.purpose == "alert_digest" and sms.params["count"] == "2"
    assert f"area={tree.communities[0].code}" in sms.params["link"] and "/alerts/stop/" in sms.params["stop"]
    assert alerts.digests_send() == 0  # nothing new since


def _digest_queries(tree, subscribers, start):
    for n in range(subscribers):
        AlertSubscription.objects.create(
            channel="email",
            contact=f"p{start + n}@example.org",
            area=tree.communities[0],
            verified_at=timezone.now() - timedelta(days=2),
            digest_from=timezone.now() - timedelta(days=2),
        )
    with CaptureQueriesContext(connection) as queries:
        assert alerts.digests_send() == subscribers
    return len(queries)


def test_the_digest_costs_the_same_queries_for_2_or_8_subscribers(tree):
    citizen(tree, grid=0)
    few = _digest_queries(tree, 2, 0)
    AlertSubscription.objects.all().delete()
    assert _digest_queries(tree, 8, 100) == few


def test_the_reporter_is_asked_fixed_or_still_a_problem_by_sms_on_closing(
    texts, tree, django_capture_on_commit_callbacks
):
    case = citizen(tree)  # reporter_phone 13800001234
    with django_capture_on_commit_callbacks(execute=True):
        _close(tree, case)
    [sms] = [t for t in texts if t.purpose == "case_closed"]
    assert sms.phone == "13800001234" and sms.params["number"] == case.number
    assert sms.params["link"].startswith("https://gg.example.cn/public/track/")


def test_no_phone_or_email_appears_on_a_public_page(client, tree):
    case = citizen(tree)
    verified(client)
    subscribe(client, report=case.public_id)
    subscribe(client, area=tree.grids[0].code, email="zhang@example.org")
    for url in (
        "/public/reports/",
        f"/public/reports/{case.public_id}/",
        URL,
        f"{URL}?report={case.public_id}",
    ):
        html = client.get(url).content.decode()
        assert PHONE not in html and "13800001234" not in html and "zhang@example.org" not in html


def test_the_centre_sees_counts_by_area_and_others_do_not(client, tree):
    verified(client)
    subscribe(client, area=tree.grids[0].code)
    subscribe(client, report=citizen(tree, grid=0).public_id)
    client.force_login(tree.users["centre"])
    page = client.get("/alerts/")
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row["code"], row["area"], row["report"], row["sms"]) == (tree.grids[0].code, 1, 1, 2)
    assert PHONE not in page.content.decode()
    client.force_login(tree.users["worker"])
    assert client.get("/alerts/").status_code == 403


def test_a_failed_email_stays_pending_for_a_retry_with_its_error(tree, monkeypatch):
    case = citizen(tree)
    sub = AlertSubscription.objects.create(
        channel="email",
        contact="wu@example.org",
        case=case,
        verified_at=timezone.now(),
        digest_from=timezone.now(),
    )
    message = alerts._message(sub, "change", "报告有进展", "正文", {}, timezone.now())
    alerts._queue([message])

    def down(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(alerts, "send_mail", down)
    with pytest.raises(alerts.outbox.RetryLater):
        alerts.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1) and "smtp down" in message.last_error


def test_a_mail_clients_one_click_post_unsubscribes_without_csrf(tree):
    case = citizen(tree)
    sub = AlertSubscription.objects.create(
        channel="email",
        contact="wu@example.org",
        case=case,
        verified_at=timezone.now(),
        digest_from=timezone.now(),
    )
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{URL}stop/{alerts.unsubscribe_token(sub)}/").status_code == 200
    sub.refresh_from_db()
    assert sub.ended_at is not None

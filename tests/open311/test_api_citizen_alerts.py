"""The public API's alerts (open311/citizen_api.py over open311.alerts, the subscription page's path too):
a verified phone follows a report or an area at once and gets its unsubscribe token; an e-mail counts once
its link is opened and gets no token in the answer; one subscription's token cancels no other and a forged
one nothing; subscribing twice is one subscription; limits per contact and per address answer 429; bad
input is a 400 by field; no answer shows the contact."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from dispatch.notifications.sms import ConsoleGateway
from open311 import alerts
from open311.models import AlertSubscription
from tests.intake.test_citizens import _close

from .test_api_citizen_phone import OWNER, STRANGER, phone_token
from .test_public_pages import citizen

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/alerts/"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {**settings.GRIDGOV, "PUBLIC_BASE_URL": "https://gg.example.cn"}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def texts(monkeypatch):
    sent = []

    def send(self, phone, purpose, params):
        sent.append(SimpleNamespace(phone=phone, purpose=purpose, params=dict(params)))
        return "console"

    monkeypatch.setattr(ConsoleGateway, "send", send)
    return sent


def post(path="", ip="10.7.0.1", **data):
    return APIClient().post(URL + path, data, format="json", REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def test_a_verified_phone_follows_a_report_and_its_token_stops_it(tree):
    case = citizen(tree)
    answer = post(report=case.public_id, phone_token=phone_token(OWNER))
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["channel"] == "sms" and body["report"] == case.public_id and body["area"] is None
    assert body["active"] is True and body["awaiting_confirmation"] is False
    assert OWNER not in answer.content.decode()
    subscription = AlertSubscription.objects.get()
    assert subscription.contact == OWNER and subscription.verified_at is not None
    stopped = post("unsubscribe/", token=body["unsubscribe_token"])
    assert stopped.status_code == 200
    assert stopped.json()["active"] is False and stopped.json()["ended_at"]
    assert stopped.json()["unsubscribe_token"] is None
    assert AlertSubscription.objects.get().ended_at is not None
    assert post("unsubscribe/", token=body["unsubscribe_token"]).status_code == 200  # again: harmless


def test_subscribing_twice_is_one_subscription(tree):
    token = phone_token(OWNER)
    first = post(area=tree.communities[0].code, phone_token=token)
    second = post(area=tree.communities[0].code, phone_token=token)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["area"] == tree.communities[0].code
    assert AlertSubscription.objects.count() == 1


def test_one_subscriptions_token_cancels_no_other_and_a_forged_one_nothing(tree):
    case = citizen(tree)
    owner = post(report=case.public_id, phone_token=phone_token(OWNER)).json()
    stranger = post(report=case.public_id, phone_token=phone_token(STRANGER, ip="10.9.0.2")).json()
    assert owner["unsubscribe_token"] != stranger["unsubscribe_token"]
    mine = AlertSubscription.objects.get(contact=OWNER)
    for forged in (
        owner["unsubscribe_token"][:-2] + "xx",
        str(mine.pk),
        alerts.confirm_token(mine),  # another link's token of the same subscription
        "",
    ):
        answer = post("unsubscribe/", token=forged)
        assert answer.status_code == 400 and list(answer.json()["fields"]) == ["token"], forged
    assert post("unsubscribe/", token=stranger["unsubscribe_token"]).status_code == 200
    assert AlertSubscription.objects.get(contact=OWNER).ended_at is None
    assert AlertSubscription.objects.get(contact=STRANGER).ended_at is not None


def test_an_email_counts_once_confirmed_and_its_answer_carries_no_token(
    tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(area=tree.streets[0].code, email="Wang@Example.cn")
    body = answer.json()
    assert answer.status_code == 200 and body["channel"] == "email"
    assert body["active"] is False and body["awaiting_confirmation"] is True
    assert body["unsubscribe_token"] is None  # whoever typed the address may not own it
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/alerts/confirm/" in word)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert post("confirm/", token=token[:-2] + "xx").status_code == 400
    confirmed = post("confirm/", token=token)
    assert confirmed.status_code == 200 and confirmed.json()["active"] is True
    assert "wang@example.cn" not in confirmed.content.decode()


def test_bad_input_is_a_400_naming_the_field(tree):
    case = citizen(tree)
    token = phone_token(OWNER)
    cases = [
        ({"report": case.public_id}, ["phone_token"]),
        ({"report": case.public_id, "phone_token": token[:-2] + "xx"}, ["phone_token"]),
        ({"report": case.public_id, "email": "not-an-address"}, ["email"]),
        ({"area": "999999", "phone_token": token}, ["area"]),
        ({"phone_token": token}, ["area"]),
        ({"report": "nosuchreport", "phone_token": token}, ["report"]),
        ({"report": "x" * 40, "phone_token": token}, ["report"]),
    ]
    for data, fields in cases:
        answer = post(**data)
        assert answer.status_code == 400 and list(answer.json()["fields"]) == fields, data
    _close(tree, case)
    answer = post(report=case.public_id, phone_token=token)
    assert answer.json()["fields"] == {"report": ["This report is closed: there is nothing more to follow."]}
    assert not AlertSubscription.objects.exists()


def test_subscriptions_are_limited_per_contact_and_per_address_with_a_clear_429(tree, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY": 2,
        "ALERT_SUBSCRIPTIONS_PER_IP_PER_DAY": 3,
    }
    token = phone_token(OWNER)
    codes = [c.code for c in tree.communities[:3]]
    assert [
        post(ip=f"10.7.1.{n}", area=code, phone_token=token).status_code for n, code in enumerate(codes)
    ] == [
        200,
        200,
        429,
    ]
    by_contact = post(ip="10.7.1.9", area=codes[2], phone_token=token)
    assert by_contact.json() == {
        "code": "throttled",
        "message": "This contact has subscribed too often today. Please try again tomorrow.",
        "fields": {},
    }
    for n in range(3):
        post(ip="10.7.2.1", area=codes[0], email=f"p{n}@example.cn")
    by_address = post(ip="10.7.2.1", area=codes[0], email="p9@example.cn")
    assert by_address.status_code == 429
    assert by_address.json()["message"] == "Too many subscriptions from here today."
    assert AlertSubscription.objects.count() == 5

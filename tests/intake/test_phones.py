"""Phone verification: a 6-digit SMS code (hashed, 5 minutes, 5 tries), throttled per number and address,
giving a signed short-lived verified-phone cookie the report form uses."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.signing import TimestampSigner
from django.utils import timezone

from cases.models import Case
from intake import phones
from intake.models import PhoneCode, SmsMessage

from .test_citizens import form, opened

pytestmark = pytest.mark.django_db
CODE, VERIFY = "/public/phone/code/", "/public/phone/verify/"
NUMBER = "13800001111"


@pytest.fixture(autouse=True)
def _zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()
    yield
    cache.clear()


def ask(client, phone=NUMBER, ip="10.0.0.1"):
    return client.post(CODE, {"phone": phone}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="zh-hans")


def sent_code(phone=NUMBER):
    return SmsMessage.objects.filter(phone=phone).latest("id").params["code"]


def check(client, code, phone=NUMBER, ip="10.0.0.1"):
    return client.post(VERIFY, {"phone": phone, "code": code}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_it_sends_a_6_digit_code_stored_only_hashed(client):
    response = ask(client, "+86 138-0000-1111")
    assert response.status_code == 202 and response.json()["expires_in"] == 300
    row, code = PhoneCode.objects.get(), sent_code()
    assert row.phone == NUMBER and len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and row.expires_at - row.created_at == timedelta(minutes=5)
    assert SmsMessage.objects.get().purpose == "verify_code"


def test_the_right_code_sets_a_signed_verified_phone_cookie_once(client):
    ask(client)
    code = sent_code()
    response = check(client, code)
    assert response.status_code == 200 and response.json()["phone"] == "138****1111"
    cookie = response.cookies[phones.COOKIE]
    assert cookie["httponly"] and phones.verified_phone(cookie.value) == NUMBER
    assert check(client, code).status_code == 400  # spent


def test_a_forged_or_old_token_vouches_for_nothing(monkeypatch):
    assert phones.verified_phone("forged") == ""
    assert phones.verified_phone(TimestampSigner().sign(NUMBER)) == ""
    token = signing.dumps({"phone": NUMBER}, salt=phones.TOKEN_SALT)
    assert phones.verified_phone(token) == NUMBER
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + phones.TOKEN_MINUTES * 60 + 5)
    assert phones.verified_phone(token) == ""


def test_bad_input_gets_a_400_in_chinese_next_to_the_field(client):
    response = ask(client, "12345")
    assert response.status_code == 400 and "手机号" in response.json()["errors"]["phone"][0]
    response = check(client, "12ab")
    assert response.status_code == 400 and "验证码" in response.json()["errors"]["code"][0]
    assert PhoneCode.objects.count() == 0


def test_five_wrong_tries_spend_the_code(client):
    ask(client)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    messages = [check(client, wrong).json()["errors"]["code"][0] for _ in range(phones.MAX_ATTEMPTS)]
    assert "还可尝试 4 次" in messages[0] and "没有" in messages[-1]
    assert PhoneCode.objects.get().attempts == phones.MAX_ATTEMPTS
    assert check(client, code).status_code == 400  # the right code comes too late


def test_an_expired_code_is_refused(client):
    ask(client)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = check(client, sent_code())
    assert response.status_code == 400 and "过期" in response.json()["errors"]["code"][0]


def test_a_flood_of_codes_for_one_number_gets_429(client, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PHONE_CODE_INTERVAL_SECONDS": 60}
    assert ask(client).status_code == 202
    response = ask(client, ip="10.0.0.2")  # another address, the same number, within the minute
    assert response.status_code == 429 and "请稍后" in response.json()["detail"]
    assert PhoneCode.objects.count() == 1


def test_a_flood_of_codes_from_one_address_gets_429(client, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PHONE_CODES_PER_IP_PER_HOUR": 3}
    statuses = [ask(client, f"1380000{n:04d}").status_code for n in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_guessing_codes_from_one_address_is_throttled(client, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PHONE_CHECKS_PER_IP_PER_HOUR": 2}
    ask(client)
    assert [check(client, "000000").status_code for _ in range(3)][-1] == 429


def test_the_report_form_takes_the_verified_phone(client, tree):
    opened(client)
    ask(client)
    check(client, sent_code())
    response = client.post("/public/report/", form(tree, phone=""), REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter_phone == NUMBER and "短信验证" in case.description


def test_another_number_typed_in_stays_unverified(client, tree):
    opened(client)
    ask(client)
    check(client, sent_code())
    client.post("/public/report/", form(tree, phone="13900002222"), REMOTE_ADDR="10.0.0.1")
    case = Case.objects.get()
    assert case.reporter_phone == "13900002222" and "短信验证" not in case.description

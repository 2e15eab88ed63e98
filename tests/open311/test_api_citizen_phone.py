"""The public API's phone verification (open311/citizen_api.py over intake/phones.py): a code by SMS,
rate-limited per number and per address with a clear 429; a check counts its attempts, a code expires, and a
code sent to one number verifies no other; bad input is a 400 naming the field."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from intake import phones
from intake.models import PhoneCode, SmsMessage

pytestmark = pytest.mark.django_db
OWNER, STRANGER = "13900001111", "13900002222"
CODE_URL, VERIFY_URL = "/api/v1/public/phone/code/", "/api/v1/public/phone/verify/"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()
    yield
    cache.clear()


def ask(phone, ip="10.9.0.1", lang="en"):
    return APIClient().post(
        CODE_URL, {"phone": phone}, format="json", REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang
    )


def check(phone, code, ip="10.9.0.1", lang="en"):
    return APIClient().post(
        VERIFY_URL, {"phone": phone, "code": code}, format="json", REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang
    )


def sent_code(phone):
    return SmsMessage.objects.filter(phone=phone, purpose="verify_code").latest("id").params["code"]


def phone_token(phone, ip="10.9.0.1"):
    """A verified phone's token, as a client gets it from the API."""
    assert ask(phone, ip=ip).status_code == 202
    answer = check(phone, sent_code(phone), ip=ip)
    assert answer.status_code == 200, answer.json()
    return answer.json()["phone_token"]


def wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def test_it_sends_a_code_and_verifies_it_into_a_phone_token():
    answer = ask("+86 139-0000-1111")
    assert answer.status_code == 202 and answer.json() == {"sent": True, "expires_in": 300}
    row = PhoneCode.objects.get(phone=OWNER)
    assert sent_code(OWNER) not in row.code_hash  # kept only as a keyed hash
    answer = check(OWNER, sent_code(OWNER))
    body = answer.json()
    assert answer.status_code == 200 and body["verified"] is True and body["phone"] == "139****1111"
    assert phones.verified_phone(body["phone_token"]) == OWNER
    assert OWNER not in answer.content.decode()  # the answer masks the number
    assert "Set-Cookie" not in answer.headers  # a token in the body, never a cookie another site could use


def test_bad_input_is_a_400_naming_the_field():
    for body, field in (({"phone": "12345"}, "phone"), ({}, "phone")):
        answer = APIClient().post(CODE_URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 400 and list(answer.json()["fields"]) == [field]
    answer = check(OWNER, "12ab56")
    assert answer.status_code == 400 and answer.json()["fields"] == {
        "code": ["Enter the 6-digit code from the SMS."]
    }
    answer = check("not a phone", "123456", lang="zh-hans")
    assert answer.status_code == 400 and answer.json()["fields"]["phone"] == ["请输入 11 位手机号码。"]
    assert not SmsMessage.objects.exists()


def test_codes_are_limited_per_number_with_a_clear_429():
    assert ask(OWNER).status_code == 202
    answer = ask(OWNER, ip="10.9.0.2", lang="zh-hans")  # again within the minute, from elsewhere too
    assert answer.status_code == 429
    assert answer.json() == {"code": "throttled", "message": "获取验证码过于频繁，请稍后再试。", "fields": {}}
    assert SmsMessage.objects.filter(phone=OWNER).count() == 1


def test_codes_are_limited_per_address(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PHONE_CODES_PER_IP_PER_HOUR": 2}
    assert [ask(f"1390000{n:04d}").status_code for n in range(3)] == [202, 202, 429]
    assert ask("13900009999", ip="10.9.0.77").status_code == 202  # another address is not held up


def test_a_code_for_one_number_does_not_verify_another():
    ask(OWNER)
    code = sent_code(OWNER)
    answer = check(STRANGER, code)  # the stranger has no code of their own
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["code"]
    ask(STRANGER, ip="10.9.0.3")
    if code != sent_code(STRANGER):  # one chance in a million that the two codes are the same
        assert check(STRANGER, code).status_code == 400
    assert PhoneCode.objects.get(phone=OWNER).used_at is None  # the owner's code is untouched
    assert check(OWNER, code).status_code == 200


def test_each_check_counts_and_five_wrong_ones_spend_the_code():
    ask(OWNER)
    code = sent_code(OWNER)
    answers = [check(OWNER, wrong(code)).json()["fields"]["code"][0] for _ in range(5)]
    assert answers[0] == "Wrong code; 4 tries left."
    assert answers[-1] == "Wrong code, and no tries are left. Ask for a new one."
    answer = check(OWNER, code)  # the right one, too late
    assert answer.status_code == 400
    assert answer.json()["fields"]["code"] == ["The code has expired or was used up. Ask for a new one."]
    assert PhoneCode.objects.get(phone=OWNER).attempts == 5


def test_a_code_expires_and_is_spent_once_used():
    ask(OWNER)
    code = sent_code(OWNER)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert check(OWNER, code).status_code == 400
    cache.clear()  # the per-number gap
    ask(OWNER)
    code = sent_code(OWNER)
    assert check(OWNER, code).status_code == 200
    assert check(OWNER, code).status_code == 400  # used


def test_checks_are_limited_per_address(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PHONE_CHECKS_PER_IP_PER_HOUR": 3}
    ask(OWNER)
    statuses = [check(OWNER, wrong(sent_code(OWNER))).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_a_forged_or_stale_phone_token_vouches_for_nothing(settings):
    token = phone_token(OWNER)
    assert phones.verified_phone(token[:-2] + "xx") == ""
    assert phones.verified_phone(token.replace(token.split(":")[0], "eyJwaG9uZSI6IjEzOTAwMDAyMjIyIn0")) == ""

"""Citizen SMS through Aliyun's and Tencent Cloud's official SDKs, against small fakes of their HTTP APIs on
127.0.0.1: success, a template error (final), throttling, a timeout and a 5xx (retried by the outbox), every
attempt counted and logged. The fakes take the requests as the SDKs send them and check their signatures,
computed here from the providers' documentation (not with the SDKs' own code)."""

import contextlib
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dispatch.notifications import sms as gateways
from dispatch.notifications.backends import GatewaySmsBackend
from gridgov import outbox
from intake import sms
from intake.models import SmsMessage

pytestmark = pytest.mark.django_db
SECRET = "fake-secret"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _authorization(header: str) -> dict:
    """ "ALG Credential=a/b, SignedHeaders=x;y, Signature=z" → its parts (both providers' form)."""
    algorithm, _, rest = header.partition(" ")
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    return {"algorithm": algorithm, **parts}


def aliyun_signed(method: str, path: str, query: dict, headers, body: bytes) -> bool:
    """Aliyun's V3 signature (ACS3-HMAC-SHA256): the canonical request's SHA-256, HMAC'd with the secret."""
    auth = _authorization(headers.get("Authorization", ""))
    signed = auth.get("SignedHeaders", "").split(";")
    if auth["algorithm"] != "ACS3-HMAC-SHA256" or headers.get("x-acs-content-sha256") != _sha256(body):
        return False
    canonical_query = "&".join(f"{k}={urllib.parse.quote(query[k], safe='~')}" for k in sorted(query))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    canonical = "\n".join([method, path, canonical_query, canonical_headers, ";".join(signed), _sha256(body)])
    to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
    return hmac.compare_digest(
        auth.get("Signature", ""), hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    )


def tencent_signed(headers, body: bytes) -> bool:
    """Tencent Cloud's TC3-HMAC-SHA256: the key derived from the secret, the date and the service."""
    auth = _authorization(headers.get("Authorization", ""))
    timestamp = headers["X-TC-Timestamp"]
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    signed = auth.get("SignedHeaders", "").split(";")
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed), _sha256(body)])
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256(canonical.encode())}"
    key = _hmac256(_hmac256(_hmac256(f"TC3{SECRET}".encode(), date), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return auth.get("Credential") == f"AKID-fake/{scope}" and hmac.compare_digest(
        auth.get("Signature", ""), expected
    )


class FakeProvider:
    """One provider's SendSms on 127.0.0.1; answers per ``mode`` and checks the request's signature.

    ``sent`` keeps each request's message fields: Aliyun's query parameters, Tencent's JSON body."""

    def __init__(self, kind):
        self.kind, self.mode, self.requests, self.sent = kind, "ok", [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append((self.headers, body))
                if fake.mode == "timeout":
                    time.sleep(0.5)
                status, answer = fake.answer(self.path, self.headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout)
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, target, headers, body):
        if self.mode == "down":
            return 503, {"Code": "ServiceUnavailable", "Message": "down", "RequestId": "r0"}
        return self.aliyun(target, headers, body) if self.kind == "aliyun" else self.tencent(headers, body)

    def aliyun(self, target, headers, body):
        path, _, query_string = target.partition("?")
        query = dict(urllib.parse.parse_qsl(query_string, keep_blank_values=True))
        if (headers["x-acs-action"], headers["x-acs-version"]) != ("SendSms", "2017-05-25"):
            return 400, {"Code": "InvalidAction.NotFound", "Message": "unknown action", "RequestId": "r0"}
        if not aliyun_signed("POST", path, query, headers, body):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature", "RequestId": "r0"}
        self.sent.append(query)
        if self.mode == "template":
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": "r1"}
        if self.mode == "throttle":
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发号码天级流控",
                "RequestId": "r1",
            }
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"}

    def tencent(self, headers, body):
        if (headers["X-TC-Action"], headers["X-TC-Version"]) != ("SendSms", "2021-01-11"):
            error = {"Code": "InvalidAction", "Message": "unknown action"}
            return 200, {"Response": {"Error": error, "RequestId": "r0"}}
        if not tencent_signed(headers, body):
            error = {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}
            return 200, {"Response": {"Error": error, "RequestId": "r0"}}
        self.sent.append(json.loads(body))
        if self.mode == "template":
            error = {"Code": "FailedOperation.TemplateIncorrectOrUnapproved", "Message": "模板未审核"}
            return 200, {"Response": {"Error": error, "RequestId": "r1"}}
        code = "LimitExceeded.PhoneNumberThirtySecondLimit" if self.mode == "throttle" else "Ok"
        status = {"SerialNo": "2028:f8252a3c", "PhoneNumber": "+8613800001111", "Code": code, "Message": ""}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r1"}}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, settings, monkeypatch):
    fake = FakeProvider(request.param)
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "SMS": {
            "GATEWAY": request.param,
            "SIGN_NAME": "岳麓区网格",
            "TEMPLATES": {"verify_code": "SMS_465"},
            "ALIYUN": {"ACCESS_KEY_ID": "LTAI-fake", "ACCESS_KEY_SECRET": SECRET, "ENDPOINT": fake.url},
            "TENCENT": {
                "SECRET_ID": "AKID-fake",
                "SECRET_KEY": SECRET,
                "SDK_APP_ID": "1400000001",
                "ENDPOINT": fake.url,
            },
        },
    }
    monkeypatch.setattr(gateways, "TIMEOUT_SECONDS", 0.2)
    yield fake
    fake.stop()


def queued(code="123456"):
    return sms.sms_send(phone="13800001111", purpose="verify_code", params={"code": code})


def test_it_sends_the_template_with_its_signature_and_params(provider):
    message = queued()
    assert sms.deliver(message.pk) == outbox.SENT
    message.refresh_from_db()
    assert (message.attempts, message.gateway, message.params, message.last_error) == (
        1,
        provider.kind,
        {},
        "",
    )
    assert message.provider_id and message.sent_at
    headers, _ = provider.requests[-1]
    sent = provider.sent[-1]
    if provider.kind == "aliyun":
        assert (sent["TemplateCode"], sent["SignName"], sent["PhoneNumbers"]) == (
            "SMS_465",
            "岳麓区网格",
            "13800001111",
        )
        assert json.loads(sent["TemplateParam"]) == {"code": "123456"}
        assert headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-fake,")
    else:
        assert (sent["TemplateId"], sent["SignName"], sent["TemplateParamSet"]) == (
            "SMS_465",
            "岳麓区网格",
            ["123456"],
        )
        assert (sent["PhoneNumberSet"], sent["SmsSdkAppId"]) == (["+8613800001111"], "1400000001")
        assert headers["X-TC-Region"] == "ap-guangzhou"


def test_it_fails_a_request_whose_signature_the_provider_refuses(provider, settings):
    settings.GRIDGOV["SMS"]["ALIYUN"]["ACCESS_KEY_SECRET"] = "another-secret"
    settings.GRIDGOV["SMS"]["TENCENT"]["SECRET_KEY"] = "another-secret"
    message = queued()
    assert sms.deliver(message.pk) == outbox.FAILED
    message.refresh_from_db()
    assert "Signature" in message.last_error and provider.sent == []


def test_it_fails_a_template_error_at_once_without_retrying(provider):
    provider.mode = "template"
    message = queued()
    assert sms.deliver(message.pk) == outbox.FAILED
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 1 and message.params == {}
    assert "Template" in message.last_error or "TEMPLATE" in message.last_error
    assert sms.deliver(message.pk) == "failed" and len(provider.requests) == 1


@pytest.mark.parametrize("mode", ["throttle", "timeout", "down"])
def test_it_retries_throttling_timeouts_and_5xx_through_the_outbox_then_gives_up(provider, mode):
    provider.mode = mode
    message = queued()
    for attempt in range(1, sms.MAX_ATTEMPTS):
        with pytest.raises(gateways.SmsRetry):
            sms.deliver(message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts, message.params) == ("pending", attempt, {"code": "123456"})
        assert message.last_error and message.next_attempt_at > timezone.now()
    assert sms.deliver(message.pk) == outbox.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.params) == ("failed", sms.MAX_ATTEMPTS, {})
    assert len(provider.requests) == sms.MAX_ATTEMPTS


def test_it_sends_on_the_retry_once_the_throttling_is_over(provider):
    provider.mode = "throttle"
    message = queued()
    with pytest.raises(gateways.SmsRetry):
        sms.deliver(message.pk)
    provider.mode = "ok"
    assert sms.deliver(message.pk) == outbox.SENT
    message.refresh_from_db()
    assert (message.attempts, message.status) == (2, "sent")


def test_the_sweep_requeues_a_lost_message(provider, monkeypatch):
    message = queued()
    published = []
    monkeypatch.setattr(outbox.Outbox, "publish_on_commit", lambda self, ids, **kw: published.extend(ids))
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - outbox.REQUEUE_GRACE * 2)
    assert sms.sms_requeue(timezone.now()) == 1 and published == [message.pk]


def test_the_console_gateway_is_the_default(settings, capsys):
    settings.GRIDGOV = {k: v for k, v in settings.GRIDGOV.items() if k != "SMS"}
    message = queued("654321")
    assert sms.deliver(message.pk) == outbox.SENT
    assert "[SMS to 13800001111] verify_code code=654321" in capsys.readouterr().out


def test_it_logs_every_send_with_its_outcome_and_the_number_masked(provider, caplog):
    caplog.set_level(logging.INFO, logger="dispatch.notifications.sms")
    provider.mode = "throttle"
    message = queued()
    with pytest.raises(gateways.SmsRetry):
        sms.deliver(message.pk)
    provider.mode = "ok"
    sms.deliver(message.pk)
    lines = [r.getMessage() for r in caplog.records if r.name == "dispatch.notifications.sms"]
    assert len(lines) == 2
    assert re.match(rf"sms verify_code to 138\*\*\*\*1111 via {provider.kind} not sent: ", lines[0])
    assert re.match(rf"sms verify_code to 138\*\*\*\*1111 via {provider.kind} sent: .+", lines[1])
    assert "13800001111" not in caplog.text and "123456" not in caplog.text


def test_staff_notices_go_through_the_chosen_gateway_too(provider):
    notification = SimpleNamespace(title="督办：东门垃圾堆积", priority=1)
    person = SimpleNamespace(phone="13800001111")
    GatewaySmsBackend().send(person, notification)
    assert "督办" in str(provider.sent[-1])
    provider.mode = "throttle"
    with pytest.raises(outbox.RetryLater):  # the notifications' outbox retries it
        GatewaySmsBackend().send(person, notification)

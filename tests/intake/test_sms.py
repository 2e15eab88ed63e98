"""Citizen SMS through Aliyun and Tencent Cloud, against small fakes of their HTTP APIs on 127.0.0.1:
success, a template error (final), throttling and a timeout (retried by the outbox), every attempt counted."""

import contextlib
import json
import threading
import time
import urllib.parse
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


class FakeProvider:
    """One provider's SendSms on 127.0.0.1; answers per ``mode`` and checks the request's signature."""

    def __init__(self, kind):
        self.kind, self.mode, self.requests = kind, "ok", []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append((self.headers, body))
                if fake.mode == "timeout":
                    time.sleep(0.5)
                status, answer = fake.answer(self.headers, body)
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

    def answer(self, headers, body):
        return self.aliyun(body) if self.kind == "aliyun" else self.tencent(headers, body)

    def aliyun(self, body):
        params = dict(urllib.parse.parse_qsl(body.decode()))
        signature = params.pop("Signature")
        if signature != gateways.aliyun_signature(params, SECRET):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        if self.mode == "template":
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}
        if self.mode == "throttle":
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"}

    def tencent(self, headers, body):
        expected = gateways.tc3_authorization(
            secret_id="AKID-fake",
            secret_key=SECRET,
            host=headers["Host"],
            action=headers["X-TC-Action"],
            payload=body,
            timestamp=int(headers["X-TC-Timestamp"]),
        )
        if headers["Authorization"] != expected:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "x"}}}
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
    headers, body = provider.requests[-1]
    if provider.kind == "aliyun":
        sent = dict(urllib.parse.parse_qsl(body.decode()))
        assert (sent["TemplateCode"], sent["SignName"], sent["PhoneNumbers"]) == (
            "SMS_465",
            "岳麓区网格",
            "13800001111",
        )
        assert json.loads(sent["TemplateParam"]) == {"code": "123456"}
    else:
        sent = json.loads(body)
        assert (sent["TemplateId"], sent["SignName"], sent["TemplateParamSet"]) == (
            "SMS_465",
            "岳麓区网格",
            ["123456"],
        )
        assert sent["PhoneNumberSet"] == ["+8613800001111"] and headers["X-TC-Version"] == "2021-01-11"


def test_it_fails_a_template_error_at_once_without_retrying(provider):
    provider.mode = "template"
    message = queued()
    assert sms.deliver(message.pk) == outbox.FAILED
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 1 and message.params == {}
    assert "Template" in message.last_error or "TEMPLATE" in message.last_error
    assert sms.deliver(message.pk) == "failed" and len(provider.requests) == 1


@pytest.mark.parametrize("mode", ["throttle", "timeout"])
def test_it_retries_throttling_and_timeouts_through_the_outbox_then_gives_up(provider, mode):
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


def test_staff_notices_go_through_the_chosen_gateway_too(provider):
    notification = SimpleNamespace(title="督办：东门垃圾堆积", priority=1)
    person = SimpleNamespace(phone="13800001111")
    GatewaySmsBackend().send(person, notification)
    headers, body = provider.requests[-1]
    sent = urllib.parse.unquote_plus(body.decode()) if provider.kind == "aliyun" else json.loads(body)
    assert "督办" in str(sent) and not isinstance(headers, str)
    provider.mode = "throttle"
    with pytest.raises(outbox.RetryLater):  # the notifications' outbox retries it
        GatewaySmsBackend().send(person, notification)

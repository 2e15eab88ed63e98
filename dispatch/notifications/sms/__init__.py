"""SMS gateways: what sends one templated text message to one mobile number.

Chinese SMS services send only approved templates under an approved signature (签名): the caller names a
template by purpose ("verify_code", "notice") and gives its parameters; the settings map the purpose to the
provider's template id. ``settings.GRIDGOV["SMS"]``::

    {"GATEWAY": "console" | "aliyun" | "tencent",          # console is the default
     "SIGN_NAME": "某某区网格化服务",
     "TEMPLATES": {"verify_code": "SMS_123456789", "notice": "SMS_987654321"},
     "ALIYUN": {"ACCESS_KEY_ID": "...", "ACCESS_KEY_SECRET": "...", "ENDPOINT": "https://dysmsapi.aliyuncs.com/"},
     "TENCENT": {"SECRET_ID": "...", "SECRET_KEY": "...", "SDK_APP_ID": "1400000000",
                 "REGION": "ap-guangzhou", "ENDPOINT": "https://sms.tencentcloudapi.com/"}}

The providers are spoken to through their official SDKs (``aliyun.py``, ``tencent.py``), which sign each
request as the service requires. ``GATEWAYS`` names each gateway's class by dotted path, imported when it is
chosen: Aliyun's SDK takes about 0.4 s to import, which no process without it configured should pay.

Outcomes: a return is sent (the provider's message id); ``SmsRejected`` is final (template or signature not
approved, number refused: retrying cannot help); ``SmsRetry`` (throttling, timeout, 5xx, refused connection)
is an attempt the caller's outbox retries after its back-off. Every send is logged with its outcome, the
number masked.
"""

import abc
import logging
import sys
import urllib.parse

from django.conf import settings
from django.utils.module_loading import import_string

from gridgov.outbox import RetryLater

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0

GATEWAYS = {
    "console": "dispatch.notifications.sms.ConsoleGateway",
    "aliyun": "dispatch.notifications.sms.aliyun.AliyunGateway",
    "tencent": "dispatch.notifications.sms.tencent.TencentGateway",
}


class SmsRetry(RetryLater):
    """The provider could not take the message now (throttled, timed out, down): try again later."""


class SmsRejected(Exception):
    """The provider refused the message for good (template, signature, number): do not retry."""


def config() -> dict:
    return getattr(settings, "GRIDGOV", {}).get("SMS", {}) or {}


def template_id(purpose: str) -> str:
    return config().get("TEMPLATES", {}).get(purpose, purpose)


def endpoint_split(url: str) -> tuple[str, str]:
    """An endpoint setting as the SDKs take it, scheme and host apart: "https://dysmsapi.aliyuncs.com/" →
    ("https", "dysmsapi.aliyuncs.com"); a bare host is HTTPS."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme or "https", parts.netloc or parts.path.strip("/")


def phone_masked(phone: str) -> str:
    """A number as logs show it: enough to find a complaint's message, not enough to be a contact list."""
    return f"{phone[:-8]}****{phone[-4:]}" if len(phone) >= 11 else "****"


class Gateway(abc.ABC):
    """What every SMS provider does; ``GATEWAYS`` names the concrete ones."""

    name = ""

    def send(self, phone: str, purpose: str, params: dict) -> str:
        """Send one message and log the outcome; returns the provider's message id."""
        try:
            provider_id = self.provider_send(phone, purpose, params)
        except SmsRejected as exc:
            log.warning("sms %s to %s via %s refused: %s", purpose, phone_masked(phone), self.name, exc)
            raise
        except Exception as exc:
            log.warning("sms %s to %s via %s not sent: %s", purpose, phone_masked(phone), self.name, exc)
            raise
        log.info("sms %s to %s via %s sent: %s", purpose, phone_masked(phone), self.name, provider_id)
        return provider_id

    @abc.abstractmethod
    def provider_send(self, phone: str, purpose: str, params: dict) -> str:
        """The provider's call: the message id, or ``SmsRejected`` / ``SmsRetry``."""


class ConsoleGateway(Gateway):
    """Writes what would be sent to stdout (development, tests, a district without a contract yet)."""

    name = "console"
    stream = None

    def provider_send(self, phone, purpose, params):
        stream = self.stream or sys.stdout
        text = " ".join(f"{k}={v}" for k, v in params.items())
        stream.write(f"[SMS to {phone}] {purpose} {text}\n")
        stream.flush()
        return "console"


def gateway() -> Gateway:
    name = config().get("GATEWAY", "console")
    return import_string(GATEWAYS[name])()

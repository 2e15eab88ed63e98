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

The two providers are spoken to over their documented HTTP APIs (Aliyun's RPC API ``SendSms`` version
2017-05-25 with its HMAC-SHA1 signature; Tencent Cloud's ``SendSms`` version 2021-01-11 with the
TC3-HMAC-SHA256 signature), with the standard library: their SDKs pull in large dependency trees for one call.

Outcomes: a return is sent (the provider's message id); ``SmsRejected`` is final (template or signature not
approved, number refused: retrying cannot help); ``SmsRetry`` (throttling, timeout, 5xx, refused connection)
is an attempt the caller's outbox retries after its back-off.
"""

import abc
import base64
import hashlib
import hmac
import json
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings

from gridgov.outbox import RetryLater

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
_OPENER = urllib.request.build_opener()  # its own opener: nothing else patching urlopen reaches it


class SmsRetry(RetryLater):
    """The provider could not take the message now (throttled, timed out, down): try again later."""


class SmsRejected(Exception):
    """The provider refused the message for good (template, signature, number): do not retry."""


def config() -> dict:
    return getattr(settings, "GRIDGOV", {}).get("SMS", {}) or {}


def template_id(purpose: str) -> str:
    return config().get("TEMPLATES", {}).get(purpose, purpose)


class Gateway(abc.ABC):
    """What every SMS provider does; ``GATEWAYS`` names the concrete ones."""

    name = ""

    @abc.abstractmethod
    def send(self, phone: str, purpose: str, params: dict) -> str:
        """Send one message; returns the provider's message id."""


class ConsoleGateway(Gateway):
    """Writes what would be sent to stdout (development, tests, a district without a contract yet)."""

    name = "console"
    stream = None

    def send(self, phone, purpose, params):
        stream = self.stream or sys.stdout
        text = " ".join(f"{k}={v}" for k, v in params.items())
        stream.write(f"[SMS to {phone}] {purpose} {text}\n")
        stream.flush()
        return "console"


def _post(url, data: bytes, headers: dict) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        if exc.code >= 500:
            raise SmsRetry(f"HTTP {exc.code}") from exc
        try:
            return json.loads(body or b"{}")  # both providers answer errors as JSON with a code
        except ValueError:
            raise SmsRejected(f"HTTP {exc.code}") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise SmsRetry(f"unreachable: {exc!r}") from exc
    except ValueError as exc:
        raise SmsRetry("answer is not JSON") from exc


# --- Aliyun SMS (dysmsapi, RPC style) ------------------------------------------------------------------

ALIYUN_THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "ServiceUnavailable"}


def _aliyun_quote(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    """Aliyun's RPC signature: HMAC-SHA1 (key: secret + "&") over METHOD&%2F&<encoded sorted query>."""
    canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(str(params[k]))}" for k in sorted(params))
    to_sign = f"{method}&%2F&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunGateway(Gateway):
    name = "aliyun"

    def send(self, phone, purpose, params):
        conf = config().get("ALIYUN", {})
        query = {
            "AccessKeyId": conf.get("ACCESS_KEY_ID", ""),
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": conf.get("REGION", "cn-hangzhou"),
            "SignName": config().get("SIGN_NAME", ""),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_id(purpose),
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, conf.get("ACCESS_KEY_SECRET", ""))
        answer = _post(
            conf.get("ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
            urllib.parse.urlencode(query).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        code = answer.get("Code", "")
        if code == "OK":
            return answer.get("BizId", "")
        error = f"{code}: {answer.get('Message', '')}"
        if code in ALIYUN_THROTTLED:
            raise SmsRetry(error)
        raise SmsRejected(error)


# --- Tencent Cloud SMS (API 3.0) ------------------------------------------------------------------------

TENCENT_VERSION = "2021-01-11"
TENCENT_THROTTLED_PREFIXES = (
    "LimitExceeded",
    "RequestLimitExceeded",
    "InternalError",
    "FailedOperation.Busy",
)


def tc3_authorization(*, secret_id, secret_key, host, action, payload: bytes, timestamp: int) -> str:
    """Tencent Cloud's TC3-HMAC-SHA256 signature of a JSON POST (service "sms")."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:{action.lower()}\n",
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"Credential={secret_id}/{scope}"
    return f"TC3-HMAC-SHA256 {credential}, SignedHeaders={signed_headers}, Signature={signature}"


class TencentGateway(Gateway):
    name = "tencent"

    def send(self, phone, purpose, params):
        conf = config().get("TENCENT", {})
        endpoint = conf.get("ENDPOINT", "https://sms.tencentcloudapi.com/")
        host = urllib.parse.urlsplit(endpoint).netloc
        number = phone if phone.startswith("+") else f"+86{phone}"
        payload = json.dumps(
            {
                "PhoneNumberSet": [number],
                "SmsSdkAppId": conf.get("SDK_APP_ID", ""),
                "SignName": config().get("SIGN_NAME", ""),
                "TemplateId": template_id(purpose),
                # Tencent's templates take positional parameters {1}, {2}…: the params' order.
                "TemplateParamSet": [str(v) for v in params.values()],
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=conf.get("SECRET_ID", ""),
                secret_key=conf.get("SECRET_KEY", ""),
                host=host,
                action="SendSms",
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": TENCENT_VERSION,
            "X-TC-Region": conf.get("REGION", "ap-guangzhou"),
        }
        answer = _post(endpoint, payload, headers).get("Response", {})
        error = answer.get("Error")
        if error is None:
            statuses = answer.get("SendStatusSet") or [{}]
            error = statuses[0] if statuses[0].get("Code") != "Ok" else None
            if error is None:
                return statuses[0].get("SerialNo", "")
        code = error.get("Code", "")
        text = f"{code}: {error.get('Message', '')}"
        if code.startswith(TENCENT_THROTTLED_PREFIXES):
            raise SmsRetry(text)
        raise SmsRejected(text)


GATEWAYS = {g.name: g for g in (ConsoleGateway, AliyunGateway, TencentGateway)}


def gateway() -> Gateway:
    name = config().get("GATEWAY", "console")
    return GATEWAYS[name]()

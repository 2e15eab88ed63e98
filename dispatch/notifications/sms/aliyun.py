"""Aliyun SMS (短信服务, API ``SendSms`` version 2017-05-25) through its official SDK.

The SDK signs with ACS3-HMAC-SHA256 (the parameters in the query string of a POST, the action in the
``x-acs-action`` header) and does not retry on its own (no ``retry_options``): the outbox retries.

An answer with ``Code`` "OK" is sent. The service answers a refusal of the message itself (template,
signature, number, a number's daily limit) with HTTP 200 and its code; a refusal of the request (key,
signature, throttling of the account) with a 4xx the SDK raises. Throttling, 5xx and network errors are
retried; the rest is final.
"""

import json

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException

from dispatch.notifications import sms

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
# Codes worth another attempt later: the service's flow control, per number or per account.
THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "ServiceUnavailable"}


def client() -> Client:
    conf = sms.config().get("ALIYUN", {})
    protocol, endpoint = sms.endpoint_split(conf.get("ENDPOINT", DEFAULT_ENDPOINT))
    milliseconds = int(sms.TIMEOUT_SECONDS * 1000)
    return Client(
        Config(
            access_key_id=conf.get("ACCESS_KEY_ID", ""),
            access_key_secret=conf.get("ACCESS_KEY_SECRET", ""),
            region_id=conf.get("REGION", "cn-hangzhou"),
            endpoint=endpoint,
            protocol=protocol,
            connect_timeout=milliseconds,
            read_timeout=milliseconds,
        )
    )


class AliyunGateway(sms.Gateway):
    name = "aliyun"

    def provider_send(self, phone, purpose, params):
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=sms.config().get("SIGN_NAME", ""),
            template_code=sms.template_id(purpose),
            template_param=json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        )
        try:
            body = client().send_sms(request).body
        except (ThrottlingException, ServerException) as exc:
            raise sms.SmsRetry(f"{exc.code}: {exc.message}") from exc
        except AlibabaCloudException as exc:
            error = f"{exc.code}: {exc.message}"
            raise (sms.SmsRetry(error) if exc.code in THROTTLED else sms.SmsRejected(error)) from exc
        except UnretryableException as exc:  # no answer: refused, reset, timed out
            raise sms.SmsRetry(f"unreachable: {exc}") from exc
        if body.code == "OK":
            return body.biz_id or ""
        error = f"{body.code}: {body.message} (request {body.request_id})"
        raise sms.SmsRetry(error) if body.code in THROTTLED else sms.SmsRejected(error)

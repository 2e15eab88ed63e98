"""Tencent Cloud SMS (API 3.0 ``SendSms`` version 2021-01-11) through its official SDK.

The SDK posts JSON signed with TC3-HMAC-SHA256 and does not retry on its own (no ``retryer``): the outbox
retries. A refusal of the request (key, signature, template, throttling of the account) comes back as an
``Error`` the SDK raises; the service answers the message's own fate per number in ``SendStatusSet``
("Ok", or a code such as the 30-second limit of one number). Throttling and network errors are retried;
the rest is final.
"""

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from dispatch.notifications import sms

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
THROTTLED_PREFIXES = ("LimitExceeded", "RequestLimitExceeded", "InternalError", "FailedOperation.Busy")
# What the SDK raises when no API answer came: no connection, a timeout, a non-200 status, a body not JSON.
UNANSWERED = {"ClientNetworkError", "ServerNetworkError", "JSONDecodeError"}


def client() -> SmsClient:
    conf = sms.config().get("TENCENT", {})
    protocol, endpoint = sms.endpoint_split(conf.get("ENDPOINT", DEFAULT_ENDPOINT))
    profile = ClientProfile(
        httpProfile=HttpProfile(
            protocol=protocol, endpoint=endpoint, reqMethod="POST", reqTimeout=sms.TIMEOUT_SECONDS
        )
    )
    credential = Credential(conf.get("SECRET_ID", ""), conf.get("SECRET_KEY", ""))
    return SmsClient(credential, conf.get("REGION", "ap-guangzhou"), profile)


def retried(code: str) -> bool:
    return code in UNANSWERED or code.startswith(THROTTLED_PREFIXES)


class TencentGateway(sms.Gateway):
    name = "tencent"

    def provider_send(self, phone, purpose, params):
        request = SendSmsRequest()
        request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        request.SmsSdkAppId = sms.config().get("TENCENT", {}).get("SDK_APP_ID", "")
        request.SignName = sms.config().get("SIGN_NAME", "")
        request.TemplateId = sms.template_id(purpose)
        # Tencent's templates take positional parameters {1}, {2}…: the params' order.
        request.TemplateParamSet = [str(v) for v in params.values()]
        try:
            answer = client().SendSms(request)
        except TencentCloudSDKException as exc:
            error = f"{exc.code}: {exc.message} (request {exc.requestId})"
            raise (sms.SmsRetry(error) if retried(exc.code or "") else sms.SmsRejected(error)) from exc
        status = (answer.SendStatusSet or [None])[0]
        if status is not None and status.Code == "Ok":
            return status.SerialNo or ""
        code = status.Code if status is not None else "NoSendStatus"
        error = f"{code}: {status.Message if status else ''} (request {answer.RequestId})"
        raise sms.SmsRetry(error) if retried(code or "") else sms.SmsRejected(error)

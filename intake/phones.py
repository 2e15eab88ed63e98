"""Citizens identify with a mobile number verified by an SMS code, not with an account.

- ``code_request``: a 6-digit code for a mainland mobile number, sent by SMS (template "verify_code",
  parameter ``code``) through the outbox; stored only as a keyed hash; valid ``CODE_MINUTES`` minutes.
  Throttled per number (one code per ``PHONE_CODE_INTERVAL_SECONDS``, ``PHONE_CODES_PER_NUMBER_PER_HOUR`` an
  hour) and per address (``PHONE_CODES_PER_IP_PER_HOUR``), with the report page's fixed-window counters
  (``intake.abuse``).
- ``code_verify``: the latest unused code of the number, at most ``MAX_ATTEMPTS`` tries (then it is spent),
  tries per address throttled too; success spends the code and returns a signed "verified phone" token,
  valid ``TOKEN_MINUTES`` minutes (the pages keep it in an HttpOnly cookie).
- ``verified_phone``: the number a token vouches for, or "" (forged, expired).
"""

import hmac
import re
import secrets
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from . import abuse
from .models import PhoneCode
from .sms import sms_send

CODE_MINUTES = 5
MAX_ATTEMPTS = 5
TOKEN_MINUTES = 30
TOKEN_SALT = "intake.verified-phone"
COOKIE = "gg_phone"
MOBILE = re.compile(r"^1[3-9]\d{9}$")


class PhoneError(Exception):
    """Bad input: ``field`` and a message for the citizen (400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class TooMany(Exception):
    """A flood from one number or address (429)."""


def phone_normalize(raw: str) -> str:
    """A mainland mobile number as 11 digits ("+86 138-0000-0000" → "13800000000"), or ""."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MOBILE.match(digits) else ""


def _hash(phone: str, code: str) -> str:
    return salted_hmac("intake.phone-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def code_request(*, phone: str, ip: str, now=None) -> PhoneCode:
    """Send a new code to ``phone``. Raises ``PhoneError`` (bad number) or ``TooMany``."""
    number = phone_normalize(phone)
    if not number:
        raise PhoneError("phone", _("Enter an 11-digit mainland mobile number."))
    setting = abuse.setting
    if not (
        abuse.window_take("phone-code-ip", ip, setting("PHONE_CODES_PER_IP_PER_HOUR"))
        and abuse.window_take("phone-code-gap", number, 1, seconds=setting("PHONE_CODE_INTERVAL_SECONDS"))
        and abuse.window_take("phone-code-number", number, setting("PHONE_CODES_PER_NUMBER_PER_HOUR"))
    ):
        raise TooMany(_("Too many codes asked for. Please wait a while and try again."))
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        row = PhoneCode.objects.create(
            phone=number,
            code_hash=_hash(number, code),
            created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        sms_send(phone=number, purpose="verify_code", params={"code": code}, at=now)
    return row


def code_verify(*, phone: str, code: str, ip: str, now=None) -> str:
    """Check a code; returns the signed verified-phone token. Raises ``PhoneError`` or ``TooMany``."""
    number = phone_normalize(phone)
    if not number:
        raise PhoneError("phone", _("Enter an 11-digit mainland mobile number."))
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise PhoneError("code", _("Enter the 6-digit code from the SMS."))
    if not abuse.window_take("phone-check-ip", ip, abuse.setting("PHONE_CHECKS_PER_IP_PER_HOUR")):
        raise TooMany(_("Too many tries. Please wait a while and try again."))
    now = now or timezone.now()
    with transaction.atomic():  # the attempt counts even when the code is wrong: raise after the commit
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=number, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            left = None
        else:
            row.attempts += 1
            right = hmac.compare_digest(row.code_hash, _hash(number, code))
            if right:
                row.used_at = now
            row.save(update_fields=["attempts", "used_at"])
            left = None if right else MAX_ATTEMPTS - row.attempts
    if row is None or (row.used_at is None and left is None):
        raise PhoneError("code", _("The code has expired or was used up. Ask for a new one."))
    if left is not None:
        if left <= 0:
            raise PhoneError("code", _("Wrong code, and no tries are left. Ask for a new one."))
        raise PhoneError("code", _("Wrong code; %(left)d tries left.") % {"left": left})
    return signing.dumps({"phone": number}, salt=TOKEN_SALT)


def verified_phone(token: str) -> str:
    """The number a verified-phone token vouches for, or "" if it is forged or older than TOKEN_MINUTES."""
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MINUTES * 60)
    except signing.BadSignature:
        return ""
    phone = data.get("phone", "") if isinstance(data, dict) else ""
    return phone if MOBILE.match(phone) else ""

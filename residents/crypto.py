"""Encryption, keyed hashes and masking of personal information (ID numbers, phone numbers).

* Values are encrypted with ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256, random IV) behind a
  MultiFernet: ``GRIDGOV_PII_KEYS`` lists Fernet keys, comma-separated, the first encrypts, all decrypt.
  Rotation: put a new key first, keep the old ones, run ``manage.py rotate_pii_keys``, then drop the old.
* Exact-match search uses HMAC-SHA256 under ``GRIDGOV_PII_HASH_KEY`` (a separate key, so that rotating
  encryption keys never invalidates the search column). Several hash keys may be listed; lookups try all,
  writes use the first, and ``rotate_pii_keys`` recomputes every hash with the first.
* Without keys, development derives both from SECRET_KEY; production refuses to run without them.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import idcard

__all__ = [
    "InvalidToken",
    "decrypt",
    "encrypt",
    "lookup_hash",
    "lookup_hashes",
    "mask_id",
    "mask_phone",
    "redact_id_numbers",
    "rotate",
]


def _setting_list(name: str) -> list[str]:
    raw = getattr(settings, name, None) or os.environ.get(name, "")
    if isinstance(raw, (list, tuple)):
        return [k.strip() for k in raw if k and k.strip()]
    return [k.strip() for k in raw.split(",") if k.strip()]


def _derived(purpose: bytes) -> bytes:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Production needs GRIDGOV_PII_KEYS and GRIDGOV_PII_HASH_KEY in the environment."
        )
    return _hkdf(purpose, settings.SECRET_KEY)


@lru_cache(maxsize=8)
def _hkdf(purpose: bytes, secret: str) -> bytes:
    # A pure function of its arguments: derived once per key, not once per value encrypted or hashed.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gridgov-dev-only", info=purpose)
    return hkdf.derive(secret.encode())


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"GRIDGOV_PII_KEYS holds a key that is not a Fernet key: {exc}") from exc


def keys() -> list[str]:
    """Configured Fernet keys, current first (development: one key derived from SECRET_KEY)."""
    return _setting_list("GRIDGOV_PII_KEYS") or [base64.urlsafe_b64encode(_derived(b"pii-fernet")).decode()]


def fernet() -> MultiFernet:
    return _fernet(tuple(keys()))


def hash_keys() -> list[bytes]:
    keys = _setting_list("GRIDGOV_PII_HASH_KEY")
    return [k.encode() for k in keys] if keys else [_derived(b"pii-hmac")]


def encrypt(value: str) -> str:
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the current (first) key; a token already under it gets a fresh IV."""
    return fernet().rotate(token.encode()).decode() if token else ""


def _hmac(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def lookup_hash(kind: str, value: str) -> str:
    """The search hash of a normalised value under the current hash key ("" for no value)."""
    return _hmac(hash_keys()[0], kind, value) if value else ""


def lookup_hashes(kind: str, value: str) -> list[str]:
    """Hashes under every configured hash key: an exact search still finds rows during a hash rotation."""
    return [_hmac(key, kind, value) for key in hash_keys()] if value else []


# A resident ID is area (6) + birth date (8) + sequence (3) + check (1). A mask that shows more than the
# area code in front or more than the last 2 behind leaves the birth date and sequence few enough to rebuild
# from a birth year and the check digit, so the policy is capped there.
MAX_KEEP_FIRST, MAX_KEEP_LAST = 6, 2


def id_mask_policy() -> tuple[int, int]:
    """(leading, trailing) characters a masked ID number keeps: ``GRIDGOV["ID_MASK_KEEP_FIRST"/"_LAST"]``."""
    conf = getattr(settings, "GRIDGOV", {}) or {}
    first = min(max(int(conf.get("ID_MASK_KEEP_FIRST", 4)), 0), MAX_KEEP_FIRST)
    last = min(max(int(conf.get("ID_MASK_KEEP_LAST", 2)), 0), MAX_KEEP_LAST)
    return first, last


def mask_id(number: str) -> str:
    """The policy's leading and trailing characters, the rest starred (default 4 and 2: 4301************3X).

    Also narrows a mask made under a wider policy (the stars stay stars), which is how stored masks are
    brought under a new policy without the key.
    """
    if len(number) <= 10:
        return "*" * len(number)
    first, last = id_mask_policy()
    return (
        number[:first] + "*" * (len(number) - first - last) + (number[len(number) - last :] if last else "")
    )


def redact_id_numbers(text: str) -> str:
    """Free text for publication (Open311) with every ID number in it masked under the policy."""
    return idcard.redact(text, mask_id)


def mask_phone(phone: str) -> str:
    """First 3 and last 4 digits (138****5678)."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def generate_key() -> str:
    return Fernet.generate_key().decode()

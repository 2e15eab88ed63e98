"""Keyed hashes for append-only audit chains (access logs today; the case-event chain can adopt it).

A plain SHA-256 chain can be rebuilt by anyone who can write the table; an HMAC-SHA256 chain cannot be
rebuilt without the key, and the key lives in the settings (the environment), never in the database.

``settings.GRIDGOV["AUDIT_KEYS"]`` maps key ids to secrets; ``GRIDGOV["AUDIT_KEY_ID"]`` names the one new
rows are written with (default: the first). Every row records the id of the key that hashed it, so a
rotation adds a key in front and keeps the old ones for verifying old rows. Without keys, development
derives one ("dev") from SECRET_KEY; production refuses to run without them.

This module imports no app, so any app (and its migrations) can use it.
"""

import datetime as dt
import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_ID = "dev"


class UnknownKey(KeyError):
    """A row names a key id the settings do not hold."""


def _conf() -> dict:
    return getattr(settings, "GRIDGOV", {}) or {}


def audit_keys() -> dict[str, bytes]:
    """Configured keys by id, the writing key first (development: one key derived from SECRET_KEY)."""
    configured = _conf().get("AUDIT_KEYS") or {}
    if isinstance(configured, str):  # "id:secret,id:secret" from one environment variable
        configured = dict(part.split(":", 1) for part in configured.split(",") if ":" in part)
    keys = {str(k).strip(): v.encode() if isinstance(v, str) else bytes(v) for k, v in configured.items()}
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("Production needs GRIDGOV_AUDIT_KEYS in the environment.")
    return {DEV_KEY_ID: dev_key()}


def dev_key() -> bytes:
    """Development's key, derived from SECRET_KEY (keep it listed as "dev" when real keys are configured on
    a database whose rows were written under it)."""
    return hmac.new(settings.SECRET_KEY.encode(), b"gridgov-audit-dev-only", hashlib.sha256).digest()


def current_key_id() -> str:
    keys = audit_keys()
    chosen = _conf().get("AUDIT_KEY_ID") or next(iter(keys))
    if chosen not in keys:
        raise ImproperlyConfigured(
            f'GRIDGOV["AUDIT_KEY_ID"] names {chosen!r}, which AUDIT_KEYS does not hold.'
        )
    return chosen


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def canonical(content: dict) -> bytes:
    """One byte string per content: sorted keys, no spaces, datetimes in UTC ISO form."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    ).encode()


def keyed_hash(key_id: str, *parts: str | bytes) -> str:
    """HMAC-SHA256 (hex) of the parts, joined by newlines, under the key ``key_id``."""
    keys = audit_keys()
    if key_id not in keys:
        raise UnknownKey(key_id)
    message = b"\n".join(p if isinstance(p, bytes) else p.encode() for p in parts)
    return hmac.new(keys[key_id], message, hashlib.sha256).hexdigest()


def link_hash(key_id: str, chain: str, seq: int, prev_hash: str, content: dict) -> str:
    """The hash of one link: binds the chain's name, the row's place, its predecessor and its content."""
    return keyed_hash(key_id, b"link", chain, str(seq), prev_hash, canonical(content))


def head_mac(key_id: str, chain: str, seq: int, last_hash: str) -> str:
    """The seal of a chain's head (last seq and hash): a truncated chain cannot re-seal it without the key."""
    return keyed_hash(key_id, b"head", chain, str(seq), last_hash)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a or "", b or "")

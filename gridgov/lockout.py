"""Failed API tokens and integration keys, counted per address, and the centre's unlock page.

Logins go through django-axes (settings). Tokens and keys do not: axes would store the tried credential in
its tables as the "username", and a mistyped key is most of a real key. So a wrong key or token counts
here, per client address, in the cache, with axes' own limits (``AXES_FAILURE_LIMIT`` failures within
``AXES_COOLOFF_TIME`` lock the address for that time): a locked address gets 429 before any key is looked
up. Each lockout is logged (logger ``gridgov.security``) and the centre can lift it on the same page as the
login lockouts (grids/security.py).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

log = logging.getLogger("gridgov.security")
LOCKED_INDEX = "key-lockouts"  # the addresses locked now, for the unlock page


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _counter(address):
    return f"key-failures:{address}"


def _seconds():
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def key_locked(request) -> bool:
    return (cache.get(_counter(client_address(request))) or 0) >= settings.AXES_FAILURE_LIMIT


def key_failed(request, *, kind: str) -> None:
    """One more wrong key or token from this address; the one that reaches the limit locks it."""
    address = client_address(request)
    cache.add(_counter(address), 0, _seconds())  # the window starts with the first failure
    try:
        failures = cache.incr(_counter(address))
    except ValueError:  # expired between add and incr
        cache.set(_counter(address), 1, _seconds())
        failures = 1
    if failures == settings.AXES_FAILURE_LIMIT:
        locked = cache.get(LOCKED_INDEX) or {}
        locked[address] = {"kind": kind, "at": timezone.now().isoformat()}
        cache.set(LOCKED_INDEX, locked, _seconds())
        log.warning("lockout: %s from %s after %s wrong keys", kind, address, failures)


def key_unlock(address: str) -> None:
    cache.delete(_counter(address))
    locked = cache.get(LOCKED_INDEX) or {}
    if locked.pop(address, None) is not None:
        cache.set(LOCKED_INDEX, locked, _seconds())


def key_lockouts() -> dict:
    return {address: row for address, row in (cache.get(LOCKED_INDEX) or {}).items() if address}


class KeyLocked(exceptions.Throttled):
    default_detail = "Too many wrong keys from this address."


def refuse_if_locked(request):
    if key_locked(request):
        raise KeyLocked(
            wait=_seconds(),
            detail=_("Too many wrong keys or tokens from this address; try again in %(minutes)s minutes.")
            % {"minutes": _seconds() // 60},
        )


class LockingTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with wrong tokens counted per address and a locked address refused."""

    def authenticate(self, request):
        if not self.keyword_in(request):
            return None
        refuse_if_locked(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            key_failed(request, kind="token")
            raise

    def keyword_in(self, request):
        return request.headers.get("Authorization", "").split(" ", 1)[0].lower() == self.keyword.lower()

"""Abuse control for the public report page, without a CAPTCHA (a small district can run it as is).

- per IP and per device: at most N reports an hour each (fixed hourly windows in Django's cache);
  the device is a long-lived random cookie the page sets, so one shared IP (a school, a mobile carrier's
  NAT) is not the only thing that counts;
- a honeypot field people never see and form fillers fill in;
- a minimum time between opening the form and sending it (a signed timestamp in the form).

Settings (``GRIDGOV``): ``PUBLIC_REPORTS_PER_IP_PER_HOUR`` (5), ``PUBLIC_REPORTS_PER_DEVICE_PER_HOUR`` (3),
``PUBLIC_REPORT_MIN_SECONDS`` (5). Behind a reverse proxy, ``REMOTE_ADDR`` must be the client's address
(gunicorn's ``--forwarded-allow-ips`` with the proxy's ``X-Forwarded-For``).
"""

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

DEVICE_COOKIE = "gg_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
HONEYPOT = "website"
TIMING_SALT = "intake.public-report.started"
DEFAULTS = {
    "PUBLIC_REPORTS_PER_IP_PER_HOUR": 5,
    "PUBLIC_REPORTS_PER_DEVICE_PER_HOUR": 3,
    "PUBLIC_REPORT_MIN_SECONDS": 5,
    # Phone verification (intake.phones): codes asked per number and per address, tries per address.
    "PHONE_CODES_PER_NUMBER_PER_HOUR": 5,
    "PHONE_CODE_INTERVAL_SECONDS": 60,
    "PHONE_CODES_PER_IP_PER_HOUR": 10,
    "PHONE_CHECKS_PER_IP_PER_HOUR": 30,
}


def setting(name):
    return getattr(settings, "GRIDGOV", {}).get(name, DEFAULTS[name])


def device_id(request) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else ""


def device_cookie(response, request):
    """Give the browser its device id if it has none (the page does this on every view of the form)."""
    if not device_id(request):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(18),
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(request):
    window = int(time.time() // 3600)
    keys = [(f"intake:reports:ip:{client_ip(request)}:{window}", setting("PUBLIC_REPORTS_PER_IP_PER_HOUR"))]
    device = device_id(request)
    if device:
        keys.append(
            (f"intake:reports:device:{device}:{window}", setting("PUBLIC_REPORTS_PER_DEVICE_PER_HOUR"))
        )
    return keys


def over_limit(request) -> bool:
    """Whether this IP or device has used up this hour's reports."""
    counts = cache.get_many([key for key, _limit in _keys(request)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(request))


def count_report(request) -> None:
    for key, _limit in _keys(request):
        _bump(key, 3600)


def _bump(key, timeout) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def window_take(name: str, who: str, limit: int, seconds: int = 3600) -> bool:
    """Count one use of ``name`` by ``who`` in the current fixed window of ``seconds``; False once this
    window's ``limit`` is used up (the refused use is not counted)."""
    key = f"intake:{name}:{who}:{int(time.time() // seconds)}"
    if (cache.get(key) or 0) >= limit:
        return False
    return _bump(key, seconds) <= limit


def started_token(at: float | None = None) -> str:
    return signing.dumps(int(at if at is not None else time.time()), salt=TIMING_SALT)


def too_fast_or_forged(token: str) -> bool:
    """A form sent sooner than a person fills it in, or without the page's own timestamp."""
    try:
        started = signing.loads(token or "", salt=TIMING_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return True
    return time.time() - started < setting("PUBLIC_REPORT_MIN_SECONDS")

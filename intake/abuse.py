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
        cache.add(key, 0, timeout=3600)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600)


def started_token(at: float | None = None) -> str:
    return signing.dumps(int(at if at is not None else time.time()), salt=TIMING_SALT)


def too_fast_or_forged(token: str) -> bool:
    """A form sent sooner than a person fills it in, or without the page's own timestamp."""
    try:
        started = signing.loads(token or "", salt=TIMING_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return True
    return time.time() - started < setting("PUBLIC_REPORT_MIN_SECONDS")

"""Retention of the login access logs (issue 22 §3): django-axes' rows of who logged in and out
(``AccessLog``) and of failed attempts (``AccessFailureLog``), deleted once past their period.

The Cybersecurity Law (网络安全法, art. 21) asks network operators to keep the logs of network activity for
no less than six months, so the period cannot be set below ``ACCESS_LOG_MIN_DAYS`` (a system check refuses
to start with less; docs/domain.md §12). The chained audit logs of who looked at personal data or at a patrol
track (residents' ``PiiAccessLog``, command's ``TrackAccessLog``) are evidence, not access logs, and are kept.
"""

import logging
from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core import checks
from django.utils import timezone

log = logging.getLogger(__name__)

ACCESS_LOG_MIN_DAYS = 183  # six months, the legal minimum, rounded up to the longest half-year


def access_log_days() -> int:
    return int(getattr(settings, "GRIDGOV", {}).get("ACCESS_LOG_RETENTION_DAYS", 365))


def access_logs_purge(*, now=None) -> int:
    """Delete login and failed-login rows older than the period; returns how many, logged when any."""
    cutoff = (now or timezone.now()) - timedelta(days=access_log_days())
    logins, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    if logins or failures:
        log.info(
            "retention: deleted %s login and %s failed-login access log rows older than %s days",
            logins,
            failures,
            access_log_days(),
        )
    return logins + failures


@checks.register(checks.Tags.security)
def check_access_log_period(app_configs, **kwargs):
    days = access_log_days()
    if days >= ACCESS_LOG_MIN_DAYS:
        return []
    return [
        checks.Error(
            f"GRIDGOV_ACCESS_LOG_RETENTION_DAYS is {days}; access logs must be kept at least "
            f"{ACCESS_LOG_MIN_DAYS} days (Cybersecurity Law art. 21: no less than six months).",
            id="gridgov.E022",
        )
    ]

"""Listener on ``cases.signals.case_changed`` (sent on commit): alerts to a report's subscribers.

A listener never raises: the case change has committed and its caller must not see an error for it.
"""

import logging

from django.dispatch import receiver

from cases.signals import case_changed

from . import alerts

log = logging.getLogger(__name__)


@receiver(case_changed, dispatch_uid="open311.receivers.on_case_changed")
def on_case_changed(sender, case_id, kind, **kwargs):
    if kind not in alerts.CHANGE_KINDS:
        return  # most changes are internal steps: no query
    try:
        alerts.report_changed(case_id, kind)
    except Exception:
        log.exception("alerts for %s on case %s failed", kind, case_id)

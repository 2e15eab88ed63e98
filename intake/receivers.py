"""Listeners on ``cases.signals.case_changed`` (sent on commit): webhooks, the hotline's first receiver and
the reporter's SMS asking "fixed or still a problem?" when their report closes.

A listener never raises: the case change has committed and its caller must not see an error for it.
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from cases.signals import case_changed

from .citizens import closing_sms
from .hotline import order_note_dispatch
from .webhooks import deliveries_for_change, webhook_users

log = logging.getLogger(__name__)


@receiver(case_changed, dispatch_uid="intake.receivers.on_case_changed")
def on_case_changed(sender, case_id, kind, **kwargs):
    if kind == "close":
        _closing_sms(case_id)
    if kind != "dispatch" and not webhook_users():
        return  # most changes concern no integration: no transaction, no query
    try:
        with transaction.atomic():
            if kind == "dispatch":
                order_note_dispatch(case_id)
            deliveries_for_change(case_id, kind)
    except Exception:
        log.exception("intake listeners failed for %s on case %s", kind, case_id)


def _closing_sms(case_id):
    try:
        with transaction.atomic():
            closing_sms(case_id)
    except Exception:
        log.exception("the closing SMS of case %s failed", case_id)

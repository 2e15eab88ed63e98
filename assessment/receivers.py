"""Keeps each case's evaluation record current: ``cases.signals.case_changed`` (sent on commit) rebuilds
the one case's record. Kinds that change nothing the record holds (warnings, escalations, supervision,
whistles, assists) are skipped, so the deadline sweep's thousands of signals cost nothing here.

A listener never raises: the case change has committed and its caller must not see an error for it; a
record that failed to build is rebuilt by ``manage.py rebuild_case_records``.
"""

import logging

from django.dispatch import receiver

from cases.signals import case_changed

from .records import record_rebuild

log = logging.getLogger(__name__)

UNCHANGED_BY = {"warning", "overdue", "escalate", "supervise", "whistle", "whistle_arrive", "whistle_missing",
                "assist_request", "assist_answer", "assist_timeout", "attach", "merged_in", "request_extension",
                "reject_extension"}


@receiver(case_changed, dispatch_uid="assessment.receivers.on_case_changed")
def on_case_changed(sender, case_id, kind, **kwargs):
    if kind in UNCHANGED_BY:
        return
    try:
        record_rebuild(case_id)
    except Exception:  # noqa: BLE001 — see the module docstring
        log.exception("rebuilding the evaluation record of case %s failed", case_id)

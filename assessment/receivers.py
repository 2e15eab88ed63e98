"""Keeps each case's evaluation record current: ``cases.signals.case_changed`` (sent on commit) rebuilds
the one case's record. Kinds that change nothing the record holds (warnings, escalations, supervision,
whistles, assists) are skipped, so the deadline sweep's thousands of signals cost nothing here.

The rebuild runs in the worker, not in the request: an action answers without waiting for it. New
reports, the bulk of all writes, send no message at all: ``assessment.tasks.build_new_records`` builds
theirs in one batch each minute, which spares every report a broker publish (it cost more than the
report's own database work) and the worker a task per report. A listener never raises: the case change
has committed and its caller must not see an error for it. A rebuild lost on the way (broker down) is
caught up by ``assessment.tasks.catch_up_records`` every ten minutes; ``manage.py rebuild_case_records``
rebuilds everything. The publish goes through ``gridgov.outbox``: after a broker failure this process
stops publishing for a while, so with the broker down an action does not wait for a connection timeout.
"""

from django.dispatch import receiver

from cases.signals import case_changed
from gridgov import outbox

from .tasks import rebuild_case_record

# "report": built in a batch by ``build_new_records`` (see the module docstring).
UNCHANGED_BY = {
    "report",
    "warning",
    "overdue",
    "escalate",
    "supervise",
    "whistle",
    "whistle_arrive",
    "whistle_missing",
    "assist_request",
    "assist_answer",
    "assist_timeout",
    "attach",
    "merged_in",
    "request_extension",
    "reject_extension",
    "assign",
    "unassign",
}


@receiver(case_changed, dispatch_uid="assessment.receivers.on_case_changed")
def on_case_changed(sender, case_id, kind, **kwargs):
    if kind in UNCHANGED_BY:
        return
    outbox.publish(rebuild_case_record, (case_id,))

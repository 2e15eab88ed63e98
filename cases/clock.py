"""Which stage clock each transition starts, pauses, resumes, extends or stops.

The arithmetic (working time, warnings) is ``worktime.deadlines``; this table says when to apply it.
"""

from worktime import deadlines

from .models import Stage
from .workflow import Status

# After a transition into a status, the stage whose clock runs (None: no clock).
STAGE_OF_STATUS = {
    Status.REPORTED: Stage.FILE,
    Status.FILED: Stage.DISPATCH,
    Status.DISPATCHED: Stage.HANDLE,
    Status.HANDLED: Stage.VERIFY,
    Status.SELF_HANDLED: Stage.VERIFY,
}


def clock_after(case, transition: str, at, inputs=None) -> dict:
    """Update the case's stage fields after ``transition``; returns what changed, for the event payload.
    ``inputs`` (``cases.workflow.Inputs``) carries an approved extension's amount and unit."""
    if transition == "suspend":
        return deadlines.stage_pause(case, at)
    if transition == "resume":
        return deadlines.stage_resume(case, at)
    if transition == "approve_extension":
        return deadlines.stage_extend(case, inputs.amount, inputs.unit)
    if transition in ("accept", "request_extension", "reject_extension", "escalate", "supervise"):
        return {}  # the handling clock started at dispatch and keeps running
    if case.status == Status.ACCEPTED:  # rework restarts the handling stage
        return deadlines.stage_start(case, Stage.HANDLE, at)
    if case.status == Status.HANDLED and not case.category.verify_required:
        return deadlines.stage_clear(case)
    stage = STAGE_OF_STATUS.get(case.status)
    if stage is None:
        return deadlines.stage_clear(case)
    return deadlines.stage_start(case, stage, at)

"""The case actions the API exposes: name → (input serializer, service call, label), over the core's table
(``cases.transitions.ACTIONS``: which transition each runs and with what).

``POST /api/v1/cases/{id}/{name}/`` validates the body with the serializer and calls the service with
``case_id``, ``actor`` and the validated data. One table keeps the API, the allowed-actions list and the
pages in step.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext_lazy as _

from . import serializers as s
from . import services, transitions


@dataclass(frozen=True)
class CaseAction:
    name: str  # the URL segment
    transitions: tuple  # FSM transitions this action may run (for "allowed actions")
    serializer: type
    call: Callable
    label: str


# Each action's input serializer and label; what it does is ``cases.transitions.ACTIONS``.
FORMS = {
    "file": (s.CommentSerializer, _("File")),
    "void": (s.ReasonSerializer, _("Void")),
    "answer": (s.AnswerSerializer, _("Answer directly")),
    "return-to-hotline": (s.ReasonSerializer, _("Send back to the hotline")),
    "dispatch": (s.DispatchSerializer, _("Dispatch")),
    "return": (s.ReasonSerializer, _("Return")),
    "accept": (s.VersionedSerializer, _("Accept")),
    "feedback": (s.FeedbackSerializer, _("Feed back")),
    "request-extension": (s.ExtensionRequestSerializer, _("Ask for extension")),
    "approve-extension": (s.CommentSerializer, _("Approve extension")),
    "reject-extension": (s.CommentSerializer, _("Reject extension")),
    "suspend": (s.ReasonSerializer, _("Suspend")),
    "resume": (s.CommentSerializer, _("Resume")),
    "verify-pass": (s.VerifySerializer, _("Verify: passed")),
    "verify-fail": (s.VerifySerializer, _("Verify: failed (rework)")),
    "close": (s.CloseSerializer, _("Close")),
    "evaluate": (s.EvaluateSerializer, _("Rate")),
    "reopen": (s.ReasonSerializer, _("Reopen")),
    "escalate": (s.CommentSerializer, _("Escalate")),
    "supervise": (s.CommentSerializer, _("Supervise")),
    "merge": (s.MergeSerializer, _("Merge as duplicate")),
}
# Services with a step of their own around the core (the overdue default, locking the merge target).
SERVICES = {"close": services.case_close, "merge": services.case_merge}
ACTIONS = [
    CaseAction(
        name,
        action.transitions,
        FORMS[name][0],
        SERVICES.get(name) or partial(services.case_act, name),
        FORMS[name][1],
    )
    for name, action in transitions.ACTIONS.items()
]
BY_NAME = {a.name: a for a in ACTIONS}
BY_TRANSITION = {t: a for a in ACTIONS for t in a.transitions}

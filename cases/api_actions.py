"""The table of case actions the API exposes: name → (input serializer, service call, label).

``POST /api/v1/cases/{id}/{name}/`` validates the body with the serializer and calls the service with
``case_id``, ``actor`` and the validated data. One table keeps the API, the allowed-actions list and the
pages in step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import serializers as s
from . import services
from .workflow import available_transitions


@dataclass(frozen=True)
class CaseAction:
    name: str  # the URL segment
    transitions: tuple  # FSM transitions this action may run (for "allowed actions")
    serializer: type
    call: Callable
    label: str


ACTIONS = [
    CaseAction("file", ("file",), s.CommentSerializer, services.case_file, _("File")),
    CaseAction("void", ("void",), s.ReasonSerializer, services.case_void, _("Void")),
    CaseAction("dispatch", ("dispatch",), s.DispatchSerializer, services.case_dispatch, _("Dispatch")),
    CaseAction("return", ("return_to_dispatcher",), s.ReasonSerializer, services.case_return, _("Return")),
    CaseAction("accept", ("accept",), s.VersionedSerializer, services.case_accept, _("Accept")),
    CaseAction("feedback", ("feedback",), s.FeedbackSerializer, services.case_feedback, _("Feed back")),
    CaseAction(
        "request-extension",
        ("request_extension",),
        s.ExtensionRequestSerializer,
        services.case_extension_request,
        _("Ask for extension"),
    ),
    CaseAction(
        "approve-extension",
        ("approve_extension",),
        s.CommentSerializer,
        lambda **kw: services.case_extension_decide(approve=True, **kw),
        _("Approve extension"),
    ),
    CaseAction(
        "reject-extension",
        ("reject_extension",),
        s.CommentSerializer,
        lambda **kw: services.case_extension_decide(approve=False, **kw),
        _("Reject extension"),
    ),
    CaseAction("suspend", ("suspend",), s.ReasonSerializer, services.case_suspend, _("Suspend")),
    CaseAction("resume", ("resume",), s.CommentSerializer, services.case_resume, _("Resume")),
    CaseAction(
        "verify-pass",
        ("verify_pass",),
        s.VerifySerializer,
        lambda **kw: services.case_verify(passed=True, **kw),
        _("Verify: passed"),
    ),
    CaseAction(
        "verify-fail",
        ("verify_fail",),
        s.VerifySerializer,
        lambda **kw: services.case_verify(passed=False, **kw),
        _("Verify: failed (rework)"),
    ),
    CaseAction("close", ("close",), s.CloseSerializer, services.case_close, _("Close")),
    CaseAction("evaluate", ("evaluate",), s.EvaluateSerializer, services.case_evaluate, _("Rate")),
    CaseAction("reopen", ("reopen",), s.ReasonSerializer, services.case_reopen, _("Reopen")),
    CaseAction(
        "escalate",
        ("escalate",),
        s.CommentSerializer,
        lambda comment="", **kw: services.case_escalate(reason=comment, **kw),
        _("Escalate"),
    ),
    CaseAction("supervise", ("supervise",), s.CommentSerializer, services.case_supervise, _("Supervise")),
    CaseAction("merge", ("merge",), s.MergeSerializer, services.case_merge, _("Merge as duplicate")),
]
BY_NAME = {a.name: a for a in ACTIONS}
BY_TRANSITION = {t: a for a in ACTIONS for t in a.transitions}


def actions_for(case, user) -> list[str]:
    """Action names this user may take on this case now (permission checked; input not yet known)."""
    names = []
    for transition in available_transitions(case, user) if user.is_authenticated else ():
        action = BY_TRANSITION.get(transition.name)
        if action and action.name not in names:
            names.append(action.name)
    return names

"""The transition core: one pure step, and the table of actions that feeds it.

``transition_step`` checks the permission and the conditions, runs the django-fsm transition method,
moves the stage clock and returns a ``Change``: the changed case (unsaved) and the event's content
(``cases.events.EventDraft``, not yet on the chain). It reads no row and writes nothing, so two callers
share it: ``cases.services`` saves the change under the case's row lock and appends the event;
``cases.demo`` collects thousands of changes and writes them in bulk.

``ACTIONS`` is the one table of what each action of the API means: which transition it runs and how its
arguments become the transition's ``Inputs``, the event's comment and payload, and the kind of the photos
that come with it. The API (``cases.api_actions``), the services and the demo generator all read it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .clock import clock_after
from .events import EventDraft
from .models import Case, CloseType, Satisfaction
from .workflow import Inputs, available_transitions, conditions_of


class ActionNotAllowed(Exception):
    """The transition is not possible now; ``allowed`` lists what this user may do instead."""

    def __init__(self, message, allowed):
        super().__init__(message)
        self.allowed = allowed


@dataclass
class Change:
    """What one transition writes: the case (its fields changed in memory) and its event's content."""

    case: Case
    event: EventDraft


def transition_step(case, actor, name, inputs: Inputs, *, comment="", payload=None) -> Change:
    """Run transition ``name`` on ``case`` in memory: permission, conditions, FSM method, stage clock.
    ``actor`` None is the system (no permission check). Raises ``ActionNotAllowed`` (not from this status),
    ``PermissionDenied`` or ``ValidationError`` (a condition's message)."""
    inputs = replace(inputs, actor_id=getattr(actor, "pk", None), at=inputs.at or timezone.now())
    transition = next((t for t in case.get_available_status_transitions() if t.name == name), None)
    if transition is None:
        raise ActionNotAllowed(
            _("This action is not possible while the case is “%(status)s”.")
            % {"status": case.get_status_display()},
            [t.name for t in available_transitions(case, actor)] if actor else [],
        )
    if actor is not None and not transition.has_perm(case, actor):
        raise PermissionDenied(_("You may not do this to this case."))
    for check in conditions_of(transition):
        if not check(case, inputs):
            raise ValidationError({"__all__": [str(check.message)]})
    before, at = case.status, inputs.at or timezone.now()
    getattr(case, name)(inputs)
    clock = clock_after(case, name, inputs.at, inputs)
    case.version += 1
    event = EventDraft(
        case_id=case.pk,
        kind=name,
        at=at,
        actor_id=inputs.actor_id,
        from_status=before,
        to_status=case.status,
        comment=comment or inputs.reason,
        payload={**(payload or {}), **({"clock": clock} if clock else {})},
    )
    return Change(case, event)


def report_step(case, actor, at) -> Change:
    """A new case's first step (it is born reported: no FSM transition): the filing clock starts and the
    "report" event is drafted. ``case.pk`` may still be None; the caller sets the draft's ``case_id``."""
    clock = clock_after(case, "report", at)
    payload = {"source": case.source, "area": case.area_code, "clock": clock}
    if case.request_type:
        payload["request_type"] = case.request_type
    event = EventDraft(case.pk, "report", at, getattr(actor, "pk", None), "", case.status, "", payload)
    return Change(case, event)


# --- The actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """An action's arguments, as the transition core takes them."""

    transition: str
    inputs: Inputs = field(default_factory=Inputs)
    comment: str = ""
    payload: dict = field(default_factory=dict)
    photo_kind: str = "evidence"  # the kind of the photos that come with it


@dataclass(frozen=True)
class Action:
    name: str  # the API's URL segment
    transitions: tuple  # the FSM transitions it may run (for "allowed actions")
    request: Callable  # (case, **arguments) -> Request


def _commented(transition):
    return lambda case, comment="": Request(transition, comment=comment)


def _reasoned(transition):
    return lambda case, reason: Request(transition, Inputs(reason=reason))


def _dispatch(case, department=None, team=None, comment=""):
    return Request(
        "dispatch",
        Inputs(department=department, team=team),
        comment,
        {"department": getattr(department, "pk", None), "team": getattr(team, "code", None)},
    )


def _answer(case, result):
    return Request("answer", Inputs(result=result), payload={"result": result, "close_type": "answered"})


def _feedback(case, result):
    return Request("feedback", Inputs(result=result), payload={"result": result}, photo_kind="after")


def _extension_request(case, amount, unit, reason):
    inputs = Inputs(amount=amount, unit=unit, reason=reason)
    return Request("request_extension", inputs, payload={"amount": amount, "unit": unit})


def _extension_decision(transition):
    def request(case, comment=""):
        amount, unit = case.extension_requested_amount, case.extension_requested_unit
        inputs = Inputs(amount=amount, unit=unit)
        return Request(transition, inputs, comment, {"amount": amount, "unit": unit})

    return request


def _verify(transition):
    return lambda case, note="": Request(transition, Inputs(reason=note), note)


def _close(case, close_type="", comment=""):
    if close_type and close_type not in CloseType.values:
        raise ValidationError({"close_type": _("Unknown close type.")})
    # Without a choice: overdue when the case is red now (the service also asks the timeline).
    close_type = close_type or (CloseType.OVERDUE if case.alert == "red" else CloseType.NORMAL)
    return Request("close", Inputs(close_type=close_type), comment, {"close_type": close_type})


RATINGS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED)
CHANNELS = ("reporter", "phone", "link", "hotline")


def _evaluate(case, satisfaction, comment="", channel="reporter"):
    if satisfaction not in RATINGS:
        raise ValidationError({"satisfaction": _("Choose satisfied, basically satisfied or dissatisfied.")})
    if channel not in CHANNELS:
        raise ValidationError({"channel": _("Unknown callback channel.")})
    payload = {"satisfaction": satisfaction, "channel": channel}
    return Request("evaluate", Inputs(satisfaction=satisfaction), comment, payload)


def _escalate(case, comment="", payload=None):
    return Request("escalate", Inputs(reason=comment), payload=payload or {})


def _merge(case, into, reason):
    # ``into`` is the target case (the service found and locked it).
    payload = {"into": into.number, "close_type": CloseType.MERGED}
    return Request("merge", Inputs(into_id=into.pk, reason=reason), payload=payload)


def _lapse(case):
    payload = {"satisfaction": Satisfaction.NO_RESPONSE, "channel": "none"}
    return Request("lapse_evaluation", payload=payload)


def _self_handle(case, result, photos=()):
    # The report's fix: its event lists its photos even when there are none.
    inputs = Inputs(result=result, after_photos=len(photos))
    return Request(
        "self_handle", inputs, payload={"result": result, "photos": list(photos)}, photo_kind="after"
    )


ACTIONS = {
    a.name: a
    for a in [
        Action("file", ("file",), _commented("file")),
        Action("void", ("void",), _reasoned("void")),
        Action("answer", ("answer",), _answer),
        Action("return-to-hotline", ("return_to_hotline",), _reasoned("return_to_hotline")),
        Action("dispatch", ("dispatch",), _dispatch),
        Action("return", ("return_to_dispatcher",), _reasoned("return_to_dispatcher")),
        Action("accept", ("accept",), lambda case: Request("accept")),
        Action("feedback", ("feedback",), _feedback),
        Action("request-extension", ("request_extension",), _extension_request),
        Action("approve-extension", ("approve_extension",), _extension_decision("approve_extension")),
        Action("reject-extension", ("reject_extension",), _extension_decision("reject_extension")),
        Action("suspend", ("suspend",), _reasoned("suspend")),
        Action("resume", ("resume",), _commented("resume")),
        Action("verify-pass", ("verify_pass",), _verify("verify_pass")),
        Action("verify-fail", ("verify_fail",), _verify("verify_fail")),
        Action("close", ("close",), _close),
        Action("evaluate", ("evaluate",), _evaluate),
        Action("reopen", ("reopen",), _reasoned("reopen")),
        Action("escalate", ("escalate",), _escalate),
        Action("supervise", ("supervise",), _commented("supervise")),
        Action("merge", ("merge",), _merge),
    ]
}
# Steps no API action names: the report's on-the-spot fix and the callback-window task.
SYSTEM_ACTIONS = {
    "self-handle": Action("self-handle", ("self_handle",), _self_handle),
    "lapse-evaluation": Action("lapse-evaluation", ("lapse_evaluation",), _lapse),
}


ACTION_OF_TRANSITION = {t: name for name, action in ACTIONS.items() for t in action.transitions}


def actions_for(case, user) -> list[str]:
    """Action names this user may take on this case now (permission checked; input not yet known)."""
    names: list[str] = []
    for transition in available_transitions(case, user) if user.is_authenticated else ():
        name = ACTION_OF_TRANSITION.get(transition.name)
        if name and name not in names:
            names.append(name)
    return names


def action_request(action: str, case, **arguments) -> Request:
    """What the action ``action`` asks of the core, from the arguments the API validated."""
    return (ACTIONS.get(action) or SYSTEM_ACTIONS[action]).request(case, **arguments)


def request_step(case, actor, request: Request, *, at=None, photo_ids=()) -> Change:
    """``transition_step`` for a ``Request``; ``photo_ids``: the photos stored with it (of its kind)."""
    inputs = replace(request.inputs, at=at)
    if photo_ids and request.photo_kind == "after":
        inputs = replace(inputs, after_photos=len(photo_ids))
    payload = {**request.payload, **({"photos": list(photo_ids)} if photo_ids else {})}
    return transition_step(case, actor, request.transition, inputs, comment=request.comment, payload=payload)

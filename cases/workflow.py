"""The closed loop as a state machine: statuses, who may do what, and the transition methods.

Every transition names a ``permission`` (deny by default: tests fail when one is missing) and pure
conditions ``(case, inputs)`` in ``custom={"conditions": ...}``: django-fsm calls its own ``conditions`` with
the instance only, and ours read what the user gave (``Inputs``). A condition carries the message a user reads
when it fails. Transition bodies only set fields on the case from ``inputs``; the transition core
(``cases/transitions.py``) checks and calls them, the services save and write the events.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, transition

from grids.models import CODE_LENGTH, Level, Role
from grids.scope import reach


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported, awaiting filing")
    SELF_HANDLED = "self_handled", _("Self-handled, awaiting verification")
    FILED = "filed", _("Filed, awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting acceptance")
    ACCEPTED = "accepted", _("Being handled")
    HANDLED = "handled", _("Handled, awaiting verification")
    VERIFIED = "verified", _("Verified, awaiting closing")
    CLOSED = "closed", _("Closed")
    EVALUATED = "evaluated", _("Evaluated")
    SUSPENDED = "suspended", _("Suspended")
    VOIDED = "voided", _("Voided")


class RequestType(models.TextChoices):
    """What a 12345 caller asks for (诉求类型). A question, a suggestion or praise needs no unit on site:
    the case is answered directly (``answer``); the rest are filed and dispatched."""

    CONSULT = "consult", _("Enquiry")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    TIP_OFF = "tip_off", _("Tip-off")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


NO_DISPATCH_TYPES = (RequestType.CONSULT, RequestType.SUGGESTION, RequestType.PRAISE)


FINAL = {Status.CLOSED, Status.EVALUATED, Status.VOIDED}
OPEN = [s for s in Status.values if s not in FINAL]
ACTIVE = [s for s in OPEN if s != Status.SUSPENDED]

# Which staff roles act for a case of each level (filing, dispatch, approvals, closing): the level's own
# unit and every unit above it.
LEVEL_RANK = {"grid": 0, "community": 1, "street": 2, "district": 3}
UNIT_ROLES_BY_RANK = [
    (Role.GRID_LEADER, 0),
    (Role.COMMUNITY_STAFF, 1),
    (Role.STREET_STAFF, 2),
    (Role.DISTRICT_CENTRE, 3),
]


# --- Who -------------------------------------------------------------------------------------------


def is_case_unit(case, user) -> bool:
    """Staff of the acceptance / dispatch unit at the case's level (or above) over the case's area."""
    rank = LEVEL_RANK[case.level]
    roles = [role for role, role_rank in UNIT_ROLES_BY_RANK if role_rank >= rank]
    return _superuser(user) or reach(user).covers(case.area_code, roles)


def is_district_centre(case, user) -> bool:
    return _superuser(user) or reach(user).covers(case.area_code, [Role.DISTRICT_CENTRE])


def is_handler(case, user) -> bool:
    """A member of the handling unit: the department's handlers, or the grid / community team."""
    if _superuser(user):
        return True
    r = reach(user)
    if case.handling_department_id:
        return case.handling_department_id in r.department_ids
    if case.handling_area_id:
        team_code = case.handling_area.code
        if case.handling_area.level in (Level.GRID, Level.MICROGRID):
            return r.covers(team_code, [Role.GRID_WORKER, Role.GRID_LEADER])
        return r.covers(team_code, [Role.COMMUNITY_STAFF])
    return False


def leads_handling_unit(case, user) -> bool:
    """Who may name another person the case's handler (签收人): the acting unit, the grid leader or community
    staff of the team handling it, or any handler of the department handling it (departments have no
    leader role of their own)."""
    if _superuser(user) or is_case_unit(case, user):
        return True
    r = reach(user)
    if case.handling_department_id:
        return case.handling_department_id in r.department_ids
    if case.handling_area_id:
        team_code = case.handling_area.code
        if case.handling_area.level in (Level.GRID, Level.MICROGRID):
            return r.covers(team_code, [Role.GRID_LEADER])
        return r.covers(team_code, [Role.COMMUNITY_STAFF])
    return False


def may_write_notes(case, user) -> bool:
    """Progress notes come from the acting unit, the handling unit and the case's grid team."""
    return _superuser(user) or is_case_unit(case, user) or is_handler(case, user) or is_grid_team(case, user)


def is_grid_team(case, user) -> bool:
    grid_code = case.area_code[: CODE_LENGTH[Level.GRID]]
    return reach(user).covers(grid_code, [Role.GRID_WORKER, Role.GRID_LEADER])


def is_verifier(case, user) -> bool:
    """The case's grid team verifies on site; the case's unit may verify too."""
    return _superuser(user) or is_grid_team(case, user) or is_case_unit(case, user)


def is_reporter_or_unit(case, user) -> bool:
    return (case.reporter_id is not None and case.reporter_id == user.pk) or is_case_unit(case, user)


def may_void(case, user) -> bool:
    # Before filing the acceptance unit voids; after filing only the district centre may.
    if case.status == Status.REPORTED:
        return is_case_unit(case, user)
    return is_district_centre(case, user)


def may_self_handle(case, user) -> bool:
    return case.reporter_id == user.pk and (is_grid_team(case, user) or _superuser(user))


def nobody(case, user) -> bool:
    """System transitions: no user may run them (services call them with no actor)."""
    return False


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


# --- Inputs and conditions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What comes with a transition besides the case: who runs it, when, and what they gave. The services
    and the demo build one; the conditions and the transition bodies read it (nothing rides on the case)."""

    actor_id: int | None = None
    at: datetime.datetime | None = None
    reason: str = ""
    result: str = ""
    department: object = None
    team: object = None
    after_photos: int = 0
    amount: Decimal | None = None
    unit: str = ""
    satisfaction: str = ""
    close_type: str = ""
    into_id: int | None = None
    # Co-handling already known to be settled (the demo's new cases have no assisting departments);
    # None: the feedback's condition asks the database (dispatch.services.assistants_settled).
    assists_settled: bool | None = None

    @property
    def moment(self):
        return self.at or timezone.now()


def condition(message, needs_input=False):
    """A condition ``(case, inputs) -> bool`` with the message a user reads when it fails. ``needs_input``
    marks conditions on values the user has yet to give (a reason, a result), which are skipped when
    listing the actions available now."""

    def decorate(fn):
        fn.message, fn.needs_input = message, needs_input
        return fn

    return decorate


# Conditions other apps add to a transition (``condition_register``), checked after the transition's own:
# an app built on cases (dispatch's co-handling) holds a step back without cases importing it.
_REGISTERED: dict[str, list] = {}


def condition_register(transition_name: str, check) -> None:
    """Add ``check`` (made with ``condition``) to a transition; called from an AppConfig.ready."""
    checks = _REGISTERED.setdefault(transition_name, [])
    if check not in checks:
        checks.append(check)


def conditions_of(transition) -> list:
    """Every condition of a django-fsm ``Transition``: its own (``custom["conditions"]``), then registered."""
    return [*transition.custom.get("conditions", ()), *_REGISTERED.get(transition.name, ())]


@condition(_("A reason is required."), needs_input=True)
def has_reason(case, inputs):
    return bool((inputs.reason or "").strip())


@condition(_("Choose a handling unit: a department or a grid / community team."), needs_input=True)
def has_unit(case, inputs):
    return bool(inputs.department or inputs.team)


@condition(_("Describe the handling result."), needs_input=True)
def has_result(case, inputs):
    return bool((inputs.result or "").strip())


@condition(_("This category needs an after-photo with the feedback."), needs_input=True)
def has_required_after_photo(case, inputs):
    return not case.category.after_photo_required or inputs.after_photos > 0


@condition(_("The person who handled the case cannot verify it."))
def verifier_is_not_handler(case, inputs):
    verifier = inputs.actor_id
    if verifier is None:
        return True
    if case.handled_by_id == verifier:
        return False
    return not (case.status == Status.SELF_HANDLED and case.reporter_id == verifier)


@condition(_("An extension request is already waiting for approval."))
def no_pending_extension(case, inputs):
    return case.extension_requested_amount is None


@condition(_("There is no extension request to decide."))
def has_pending_extension(case, inputs):
    return case.extension_requested_amount is not None


@condition(_("Ask for a positive amount of time."), needs_input=True)
def has_extension_amount(case, inputs):
    return inputs.amount is not None and inputs.amount > 0 and bool(inputs.unit)


@condition(_("This category must be verified on site before closing."))
def verification_done_or_not_required(case, inputs):
    return case.status == Status.VERIFIED or not case.category.verify_required


@condition(_("Give a satisfaction rating."), needs_input=True)
def has_satisfaction(case, inputs):
    return bool(inputs.satisfaction)


@condition(_("Choose another open case to merge into."), needs_input=True)
def has_merge_target(case, inputs):
    return bool(inputs.into_id) and inputs.into_id != case.pk


@condition(_("The callback window has not passed yet."))
def callback_window_passed(case, inputs):
    return case.closed_at is not None and case.closed_at <= timezone.now() - callback_window()


def callback_window():
    return datetime.timedelta(days=settings.GRIDGOV["CALLBACK_WINDOW_DAYS"])


@condition(_("Only an enquiry, a suggestion or praise is answered without dispatch."))
def needs_no_dispatch(case, inputs):
    return case.request_type in NO_DISPATCH_TYPES


@condition(_("Only a case from the 12345 hotline goes back to the hotline."))
def from_hotline(case, inputs):
    return case.source == "hotline"


@condition(_("The hotline's time for sending an order back has passed."))
def within_return_limit(case, inputs):
    limit = datetime.timedelta(hours=settings.GRIDGOV["HOTLINE_RETURN_HOURS"])
    return inputs.moment <= case.reported_at + limit


@condition(_("The case is already supervised."))
def not_supervised(case, inputs):
    return not case.is_supervised


@condition(_("The case is already at the district level."))
def below_district(case, inputs):
    return case.level != "district"


def next_level(level: str) -> str:
    """The escalation rule: one level up the tree (grid → community → street → district); the district
    stays. Both the ``escalate`` transition and the deadline sweep climb by it."""
    levels = list(LEVEL_RANK)
    return levels[min(levels.index(level) + 1, len(levels) - 1)]


def available_transitions(case, user):
    """Transitions this user may run on this case now: source state, permission, and the conditions
    that do not wait for the user's input."""
    inputs = Inputs(actor_id=getattr(user, "pk", None))
    return [
        t
        for t in case.get_available_status_transitions()
        if t.has_perm(case, user)
        and all(check(case, inputs) for check in conditions_of(t) if not check.needs_input)
    ]


# --- Transitions -------------------------------------------------------------------------------------


class CaseWorkflow(models.Model):
    """Transition methods, mixed into Case. Names are the API's action names."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:  # fields of Case that the transition bodies read and count on
        status: str
        level: str
        reporter_id: int | None
        assignee_id: int | None
        return_count: int
        extension_count: int
        rework_count: int
        reopen_count: int
        escalation_count: int

    @transition(field="status", source=Status.REPORTED, target=Status.FILED, permission=is_case_unit)
    def file(self, inputs):
        self.filed_at = inputs.moment

    @transition(
        field="status",
        source=OPEN,
        target=Status.VOIDED,
        permission=may_void,
        custom={"conditions": (has_reason,)},
    )
    def void(self, inputs):
        self.voided_at = inputs.moment

    @transition(
        field="status",
        source=Status.REPORTED,
        target=Status.CLOSED,
        permission=is_case_unit,
        custom={"conditions": (needs_no_dispatch, has_result)},
    )
    def answer(self, inputs):
        """Answered directly (直接答复): taken up and closed at once, the answer as the result; nobody goes
        on site, so it is due for closing and solved in the figures without a dispatch."""
        self.result = inputs.result
        self.close_type = "answered"
        self.filed_at = self.closed_at = inputs.moment

    @transition(
        field="status",
        source=[Status.REPORTED, Status.FILED],
        target=Status.VOIDED,
        permission=is_case_unit,
        custom={"conditions": (from_hotline, within_return_limit, has_reason)},
    )
    def return_to_hotline(self, inputs):
        """退单: not the district's to handle; the hotline gets it back with the reason (its webhook)."""
        self.voided_at = inputs.moment

    @transition(
        field="status",
        source=Status.REPORTED,
        target=Status.SELF_HANDLED,
        permission=may_self_handle,
        custom={"conditions": (has_result, has_required_after_photo)},
    )
    def self_handle(self, inputs):
        self.result = inputs.result
        self.handled_by_id = self.reporter_id
        self.handled_at = inputs.moment

    @transition(
        field="status",
        source=Status.FILED,
        target=Status.DISPATCHED,
        permission=is_case_unit,
        custom={"conditions": (has_unit,)},
    )
    def dispatch(self, inputs):
        self.handling_department = inputs.department
        self.handling_area = inputs.team
        self.dispatched_at = inputs.moment
        self.accepted_at = None
        self.assignee = None  # a new unit names its own handler

    @transition(
        field="status",
        source=[Status.DISPATCHED, Status.ACCEPTED],
        target=Status.FILED,
        permission=is_handler,
        custom={"conditions": (has_reason,)},
    )
    def return_to_dispatcher(self, inputs):
        self.return_count += 1
        self.handling_department = None
        self.handling_area = None
        self.assignee = None
        self.dispatched_at = None
        self.accepted_at = None
        self.extension_requested_amount = None

    @transition(field="status", source=Status.DISPATCHED, target=Status.ACCEPTED, permission=is_handler)
    def accept(self, inputs):
        self.accepted_at = inputs.moment
        if self.assignee_id is None:  # whoever signs for it (签收) is its handler until someone else is named
            self.assignee_id = inputs.actor_id

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=Status.HANDLED,
        permission=is_handler,
        custom={"conditions": (has_result, has_required_after_photo)},
    )
    def feedback(self, inputs):
        self.result = inputs.result
        self.handled_by_id = inputs.actor_id
        self.handled_at = inputs.moment
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_handler,
        custom={"conditions": (no_pending_extension, has_extension_amount, has_reason)},
    )
    def request_extension(self, inputs):
        self.extension_requested_amount = inputs.amount
        self.extension_requested_unit = inputs.unit
        self.extension_reason = inputs.reason

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_case_unit,
        custom={"conditions": (has_pending_extension,)},
    )
    def approve_extension(self, inputs):
        self.extension_count += 1
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_case_unit,
        custom={"conditions": (has_pending_extension,)},
    )
    def reject_extension(self, inputs):
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=[Status.FILED, Status.DISPATCHED, Status.ACCEPTED],
        target=Status.SUSPENDED,
        permission=is_case_unit,
        custom={"conditions": (has_reason,)},
    )
    def suspend(self, inputs):
        self.suspended_from = self.status
        self.suspended_at = inputs.moment

    @transition(
        field="status",
        source=Status.SUSPENDED,
        target=RETURN_VALUE(Status.FILED, Status.DISPATCHED, Status.ACCEPTED),
        permission=is_case_unit,
    )
    def resume(self, inputs):
        previous, self.suspended_from, self.suspended_at = self.suspended_from, "", None
        return previous

    @transition(
        field="status",
        source=[Status.HANDLED, Status.SELF_HANDLED],
        target=Status.VERIFIED,
        permission=is_verifier,
        custom={"conditions": (verifier_is_not_handler,)},
    )
    def verify_pass(self, inputs):
        self.verified_at = inputs.moment

    @transition(
        field="status",
        source=[Status.HANDLED, Status.SELF_HANDLED],
        target=RETURN_VALUE(Status.ACCEPTED, Status.FILED),
        permission=is_verifier,
        custom={"conditions": (verifier_is_not_handler, has_reason)},
    )
    def verify_fail(self, inputs):
        self.handled_at = None
        self.result = ""
        if self.status == Status.SELF_HANDLED:
            # The on-the-spot fix did not hold: the case enters the normal loop for dispatch.
            self.handled_by_id = None
            self.filed_at = self.filed_at or inputs.moment
            return Status.FILED
        self.rework_count += 1
        return Status.ACCEPTED

    @transition(
        field="status",
        source=[Status.VERIFIED, Status.HANDLED],
        target=Status.CLOSED,
        permission=is_case_unit,
        custom={"conditions": (verification_done_or_not_required,)},
    )
    def close(self, inputs):
        self.close_type = inputs.close_type
        self.closed_at = inputs.moment

    @transition(
        field="status",
        source=Status.CLOSED,
        target=Status.EVALUATED,
        permission=is_reporter_or_unit,
        custom={"conditions": (has_satisfaction,)},
    )
    def evaluate(self, inputs):
        self.satisfaction = inputs.satisfaction
        self.evaluated_at = inputs.moment

    @transition(
        field="status",
        source=Status.CLOSED,
        target=Status.EVALUATED,
        permission=nobody,
        custom={"conditions": (callback_window_passed,)},
    )
    def lapse_evaluation(self, inputs):
        # System only (the callback-window task runs it with no actor): nobody answered the callback.
        self.satisfaction = "no_response"
        self.evaluated_at = inputs.moment

    @transition(
        field="status",
        source=OPEN,
        target=Status.CLOSED,
        permission=is_case_unit,
        custom={"conditions": (has_merge_target, has_reason)},
    )
    def merge(self, inputs):
        # 合并: the duplicate closes as merged; its reporter follows the original from now on.
        self.duplicate_of_id = inputs.into_id
        self.close_type = "merged"
        self.closed_at = inputs.moment

    @transition(
        field="status",
        source=[Status.CLOSED, Status.EVALUATED],
        target=Status.FILED,
        permission=is_district_centre,
        custom={"conditions": (has_reason,)},
    )
    def reopen(self, inputs):
        self.reopen_count += 1
        for name in (
            "dispatched_at",
            "accepted_at",
            "handled_at",
            "verified_at",
            "closed_at",
            "evaluated_at",
        ):
            setattr(self, name, None)
        self.handling_department = self.handling_area = self.handled_by = self.assignee = None
        self.close_type = self.satisfaction = self.result = ""

    @transition(
        field="status",
        source=OPEN,
        target=None,
        permission=is_case_unit,
        custom={"conditions": (below_district,)},
    )
    def escalate(self, inputs):
        self.level = next_level(self.level)
        self.escalation_count += 1

    @transition(
        field="status",
        source=OPEN,
        target=None,
        permission=is_district_centre,
        custom={"conditions": (not_supervised,)},
    )
    def supervise(self, inputs):
        self.is_supervised = True

"""The closed loop as a state machine: statuses, who may do what, and the transition methods.

Every transition names a ``permission`` (deny by default: tests fail when one is missing) and pure
``conditions``. A condition carries the message a user reads when it fails. Transition bodies only set
fields on the case; the services in ``cases/services.py`` lock the row, call them, save, and write events.
"""

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


# --- Conditions (pure: they read the case and the values the service staged on it) ---------------


def condition(message, needs_input=False):
    """Attach the user-facing message; ``needs_input`` marks conditions on values the user has yet to give
    (a reason, a result), which are skipped when listing the actions available now."""

    def decorate(fn):
        fn.message, fn.needs_input = message, needs_input
        return fn

    return decorate


def staged(case, key, default=None):
    return getattr(case, "_staged", {}).get(key, default)


@condition(_("A reason is required."), needs_input=True)
def has_reason(case):
    return bool((staged(case, "reason") or "").strip())


@condition(_("Choose a handling unit: a department or a grid / community team."), needs_input=True)
def has_unit(case):
    return bool(staged(case, "department") or staged(case, "team"))


@condition(_("Describe the handling result."), needs_input=True)
def has_result(case):
    return bool((staged(case, "result") or "").strip())


@condition(_("This category needs an after-photo with the feedback."), needs_input=True)
def has_required_after_photo(case):
    return not case.category.after_photo_required or staged(case, "after_photos", 0) > 0


@condition(_("Assisting departments have not all answered yet."))
def assistants_settled(case):
    # Co-handling (主办/协办): the lead's feedback counts once every assistant answered or timed out.
    from dispatch.services import co_handling_settled

    return co_handling_settled(case)


@condition(_("The person who handled the case cannot verify it."))
def verifier_is_not_handler(case):
    verifier = staged(case, "actor_id")
    if verifier is None:
        return True
    if case.handled_by_id == verifier:
        return False
    return not (case.status == Status.SELF_HANDLED and case.reporter_id == verifier)


@condition(_("An extension request is already waiting for approval."))
def no_pending_extension(case):
    return case.extension_requested_amount is None


@condition(_("There is no extension request to decide."))
def has_pending_extension(case):
    return case.extension_requested_amount is not None


@condition(_("Ask for a positive amount of time."), needs_input=True)
def has_extension_amount(case):
    amount = staged(case, "amount")
    return amount is not None and amount > 0 and bool(staged(case, "unit"))


@condition(_("This category must be verified on site before closing."))
def verification_done_or_not_required(case):
    return case.status == Status.VERIFIED or not case.category.verify_required


@condition(_("Give a satisfaction rating."), needs_input=True)
def has_satisfaction(case):
    return bool(staged(case, "satisfaction"))


@condition(_("Choose another open case to merge into."), needs_input=True)
def has_merge_target(case):
    return bool(staged(case, "into_id")) and staged(case, "into_id") != case.pk


@condition(_("The callback window has not passed yet."))
def callback_window_passed(case):
    return case.closed_at is not None and case.closed_at <= timezone.now() - callback_window()


def callback_window():
    from datetime import timedelta

    from django.conf import settings

    return timedelta(days=settings.GRIDGOV["CALLBACK_WINDOW_DAYS"])


@condition(_("The case is already supervised."))
def not_supervised(case):
    return not case.is_supervised


@condition(_("The case is already at the district level."))
def below_district(case):
    return case.level != "district"


def available_transitions(case, user):
    """Transitions this user may run on this case now: source state, permission, and the conditions
    that do not wait for the user's input."""
    case._staged = {"actor_id": getattr(user, "pk", None)}
    field = case._meta.get_field("status")
    available = []
    for t in field.get_all_transitions(type(case)):
        if t.source not in (case.status, "*", "+") or not t.has_perm(case, user):
            continue
        if all(check(case) for check in t.conditions if not check.needs_input):
            available.append(t)
    return available


# --- Transitions -------------------------------------------------------------------------------------


class CaseWorkflow(models.Model):
    """Transition methods, mixed into Case. Names are the API's action names."""

    class Meta:
        abstract = True

    @transition(field="status", source=Status.REPORTED, target=Status.FILED, permission=is_case_unit)
    def file(self):
        self.filed_at = timezone.now()

    @transition(
        field="status", source=OPEN, target=Status.VOIDED, permission=may_void, conditions=[has_reason]
    )
    def void(self):
        self.voided_at = timezone.now()

    @transition(
        field="status",
        source=Status.REPORTED,
        target=Status.SELF_HANDLED,
        permission=may_self_handle,
        conditions=[has_result, has_required_after_photo],
    )
    def self_handle(self):
        self.result = staged(self, "result")
        self.handled_by_id = self.reporter_id
        self.handled_at = timezone.now()

    @transition(
        field="status",
        source=Status.FILED,
        target=Status.DISPATCHED,
        permission=is_case_unit,
        conditions=[has_unit],
    )
    def dispatch(self):
        self.handling_department = staged(self, "department")
        self.handling_area = staged(self, "team")
        self.dispatched_at = timezone.now()
        self.accepted_at = None

    @transition(
        field="status",
        source=[Status.DISPATCHED, Status.ACCEPTED],
        target=Status.FILED,
        permission=is_handler,
        conditions=[has_reason],
    )
    def return_to_dispatcher(self):
        self.return_count += 1
        self.handling_department = None
        self.handling_area = None
        self.dispatched_at = None
        self.accepted_at = None
        self.extension_requested_amount = None

    @transition(field="status", source=Status.DISPATCHED, target=Status.ACCEPTED, permission=is_handler)
    def accept(self):
        self.accepted_at = timezone.now()

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=Status.HANDLED,
        permission=is_handler,
        conditions=[has_result, has_required_after_photo, assistants_settled],
    )
    def feedback(self):
        self.result = staged(self, "result")
        self.handled_by_id = staged(self, "actor_id")
        self.handled_at = timezone.now()
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_handler,
        conditions=[no_pending_extension, has_extension_amount, has_reason],
    )
    def request_extension(self):
        self.extension_requested_amount = staged(self, "amount")
        self.extension_requested_unit = staged(self, "unit")
        self.extension_reason = staged(self, "reason")

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_case_unit,
        conditions=[has_pending_extension],
    )
    def approve_extension(self):
        self.extension_count += 1
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=Status.ACCEPTED,
        target=None,
        permission=is_case_unit,
        conditions=[has_pending_extension],
    )
    def reject_extension(self):
        self.extension_requested_amount = None

    @transition(
        field="status",
        source=[Status.FILED, Status.DISPATCHED, Status.ACCEPTED],
        target=Status.SUSPENDED,
        permission=is_case_unit,
        conditions=[has_reason],
    )
    def suspend(self):
        self.suspended_from = self.status
        self.suspended_at = timezone.now()

    @transition(
        field="status",
        source=Status.SUSPENDED,
        target=RETURN_VALUE(Status.FILED, Status.DISPATCHED, Status.ACCEPTED),
        permission=is_case_unit,
    )
    def resume(self):
        previous, self.suspended_from, self.suspended_at = self.suspended_from, "", None
        return previous

    @transition(
        field="status",
        source=[Status.HANDLED, Status.SELF_HANDLED],
        target=Status.VERIFIED,
        permission=is_verifier,
        conditions=[verifier_is_not_handler],
    )
    def verify_pass(self):
        self.verified_at = timezone.now()

    @transition(
        field="status",
        source=[Status.HANDLED, Status.SELF_HANDLED],
        target=RETURN_VALUE(Status.ACCEPTED, Status.FILED),
        permission=is_verifier,
        conditions=[verifier_is_not_handler, has_reason],
    )
    def verify_fail(self):
        self.handled_at = None
        self.result = ""
        if self.status == Status.SELF_HANDLED:
            # The on-the-spot fix did not hold: the case enters the normal loop for dispatch.
            self.handled_by_id = None
            self.filed_at = self.filed_at or timezone.now()
            return Status.FILED
        self.rework_count += 1
        return Status.ACCEPTED

    @transition(
        field="status",
        source=[Status.VERIFIED, Status.HANDLED],
        target=Status.CLOSED,
        permission=is_case_unit,
        conditions=[verification_done_or_not_required],
    )
    def close(self):
        self.close_type = staged(self, "close_type")
        self.closed_at = timezone.now()

    @transition(
        field="status",
        source=Status.CLOSED,
        target=Status.EVALUATED,
        permission=is_reporter_or_unit,
        conditions=[has_satisfaction],
    )
    def evaluate(self):
        self.satisfaction = staged(self, "satisfaction")
        self.evaluated_at = timezone.now()

    @transition(
        field="status",
        source=Status.CLOSED,
        target=Status.EVALUATED,
        permission=nobody,
        conditions=[callback_window_passed],
    )
    def lapse_evaluation(self):
        # System only (the callback-window task runs it with no actor): nobody answered the callback.
        self.satisfaction = "no_response"
        self.evaluated_at = timezone.now()

    @transition(
        field="status",
        source=OPEN,
        target=Status.CLOSED,
        permission=is_case_unit,
        conditions=[has_merge_target, has_reason],
    )
    def merge(self):
        # 合并: the duplicate closes as merged; its reporter follows the original from now on.
        self.duplicate_of_id = staged(self, "into_id")
        self.close_type = "merged"
        self.closed_at = timezone.now()

    @transition(
        field="status",
        source=[Status.CLOSED, Status.EVALUATED],
        target=Status.FILED,
        permission=is_district_centre,
        conditions=[has_reason],
    )
    def reopen(self):
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
        self.handling_department = self.handling_area = self.handled_by = None
        self.close_type = self.satisfaction = self.result = ""

    @transition(
        field="status", source=OPEN, target=None, permission=is_case_unit, conditions=[below_district]
    )
    def escalate(self):
        levels = list(LEVEL_RANK)
        self.level = levels[levels.index(self.level) + 1]
        self.escalation_count += 1

    @transition(
        field="status", source=OPEN, target=None, permission=is_district_centre, conditions=[not_supervised]
    )
    def supervise(self):
        self.is_supervised = True

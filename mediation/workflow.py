"""The dispute's states and transitions (django-fsm-2), as a mixin of ``Dispute``.

open → mediating → agreement | partial | failed | referred → follow-up → settled, or closed:

* ``start``: mediation begins (a mediator named);
* ``conclude``: from mediating to one of the four outcomes (an agreement or a partial one needs its text;
  a referral names where to);
* ``resume``: a partial agreement or a failed mediation goes back to mediating;
* ``refer``: a failed mediation is handed to the court, police or petition office;
* ``follow``: an agreement (full or partial) whose every party has signed enters follow-up;
* ``settle``: follow-up ends as settled once at least one visit found the agreement holding;
* ``close``: an open dispute withdrawn, a failed or referred one closed (with a reason).

Each transition has a permission (``may_mediate``: a writing role over the dispute's grid) and its
conditions are pure functions of the row; the services check both under the row lock.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from grids.models import Role
from grids.scope import reach

WRITE_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
)


class Status(models.TextChoices):
    OPEN = "open", _("Awaiting mediation")
    MEDIATING = "mediating", _("Mediating")
    AGREEMENT = "agreement", _("Agreement reached")
    PARTIAL = "partial", _("Partial agreement")
    FAILED = "failed", _("Mediation failed")
    REFERRED = "referred", _("Referred")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")


OUTCOMES = (Status.AGREEMENT, Status.PARTIAL, Status.FAILED, Status.REFERRED)
FINISHED = (Status.SETTLED, Status.CLOSED)
SESSION_STATES = (Status.OPEN, Status.MEDIATING)
# Not yet resolved: what the escalation of high-risk disputes watches (docs/domain.md §8).
UNRESOLVED = (Status.OPEN, Status.MEDIATING, Status.PARTIAL, Status.FAILED)


def may_mediate(instance, user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return reach(user).covers(instance.area_code, WRITE_ROLES)


def has_mediator(instance) -> bool:
    return instance.mediator_id is not None


def has_agreement_text(instance) -> bool:
    return bool((instance.agreement_text or "").strip())


def has_referral(instance) -> bool:
    return bool(instance.referred_to)


def has_close_reason(instance) -> bool:
    return bool((instance.close_reason or "").strip())


class DisputeWorkflow:
    """Transitions of ``Dispute.status``; the services set the fields a condition reads, then transition."""

    @transition(
        field="status",
        source=Status.OPEN,
        target=Status.MEDIATING,
        permission=may_mediate,
        conditions=[has_mediator],
    )
    def start(self):
        pass

    @transition(
        field="status",
        source=Status.MEDIATING,
        target=Status.AGREEMENT,
        permission=may_mediate,
        conditions=[has_agreement_text],
    )
    def agree(self):
        pass

    @transition(
        field="status",
        source=Status.MEDIATING,
        target=Status.PARTIAL,
        permission=may_mediate,
        conditions=[has_agreement_text],
    )
    def agree_partly(self):
        pass

    @transition(field="status", source=Status.MEDIATING, target=Status.FAILED, permission=may_mediate)
    def fail(self):
        pass

    @transition(
        field="status",
        source=[Status.MEDIATING, Status.FAILED],
        target=Status.REFERRED,
        permission=may_mediate,
        conditions=[has_referral],
    )
    def refer(self):
        pass

    @transition(
        field="status",
        source=[Status.PARTIAL, Status.FAILED],
        target=Status.MEDIATING,
        permission=may_mediate,
    )
    def resume(self):
        pass

    @transition(
        field="status",
        source=[Status.AGREEMENT, Status.PARTIAL],
        target=Status.FOLLOW_UP,
        permission=may_mediate,
    )
    def follow(self):
        pass

    @transition(field="status", source=Status.FOLLOW_UP, target=Status.SETTLED, permission=may_mediate)
    def settle(self):
        pass

    @transition(
        field="status",
        source=[Status.OPEN, Status.FAILED, Status.REFERRED],
        target=Status.CLOSED,
        permission=may_mediate,
        conditions=[has_close_reason],
    )
    def close(self):
        pass

"""Listeners on ``cases.signals.case_changed`` (sent on commit): who hears what, and auto-dispatch.

| change     | who hears it                                   |
|------------|------------------------------------------------|
| dispatch   | the handling unit's people                     |
| escalate   | the new level's staff and the handler          |
| supervise  | the unit staff and the handler (high priority) |
| close      | the reporter                                   |
| assign     | the person named handler (签收人)                |
| file       | nobody; auto-dispatch when the category asks   |

Changes the sweep and the dispatch services make arrive with ``notified=True``: they notified in bulk
already. Each notice is keyed by the case event it is about, so hearing a signal twice changes nothing.
A listener never raises: the case change has committed and its caller must not see an error for it.
"""

import logging

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent
from cases.signals import case_changed, demo_history_loaded

from .notifications import Message, notify
from .recipients import Audience, CaseRef
from .routing import case_auto_dispatch
from .sweep import sweep

log = logging.getLogger(__name__)


@receiver(case_changed, dispatch_uid="dispatch.receivers.on_case_changed")
def on_case_changed(sender, case_id, kind, notified=False, **kwargs):
    try:
        if kind == "file":
            _auto_dispatch(case_id)
        if not notified and kind in AUDIENCES:
            with transaction.atomic():
                notify_case_change(case_id, kind)
    except Exception:
        log.exception("notifying %s on case %s failed", kind, case_id)


def _auto_dispatch(case_id):
    case_auto_dispatch(case_id=case_id)


def _dispatched(case, audience, ref):
    return audience.handlers(ref), _("New case for your unit: %(number)s") % {"number": case.number}


def _escalated(case, audience, ref):
    return (
        audience.unit_staff(ref, case.level) | audience.handlers(ref),
        _("Case %(number)s was escalated to your level") % {"number": case.number},
    )


def _supervised(case, audience, ref):
    return (
        audience.unit_staff(ref, case.level) | audience.handlers(ref),
        _("Case %(number)s is now supervised by the centre") % {"number": case.number},
    )


def _closed(case, audience, ref):
    # Reporters of duplicates merged into this case follow it too.
    followers = set(
        Case.objects.filter(duplicate_of=case, reporter__isnull=False).values_list("reporter_id", flat=True)
    )
    return (
        followers | ({case.reporter_id} if case.reporter_id else set()),
        _("Your report %(number)s was closed") % {"number": case.number},
    )


def _assigned(case, audience, ref):
    # Whoever named themselves is left out with every actor (below): only a person named by another hears.
    return (
        {case.assignee_id} if case.assignee_id else set(),
        _("You were named handler of case %(number)s") % {"number": case.number},
    )


AUDIENCES = {
    "dispatch": _dispatched,
    "escalate": _escalated,
    "supervise": _supervised,
    "close": _closed,
    "assign": _assigned,
}


def notify_case_change(case_id, kind):
    case = Case.objects.select_related("handling_area").get(pk=case_id)
    event = (
        CaseEvent.objects.filter(case_id=case_id, kind=kind).order_by("-seq").only("seq", "actor_id").first()
    )
    if event is None:
        return []
    ref = CaseRef.of(case)
    recipients, title = AUDIENCES[kind](case, Audience([ref]), ref)
    recipients.discard(event.actor_id)  # the person who acted needs no notice of it
    priority = int(case.is_supervised or kind == "supervise")
    if priority:
        title = _("[Supervised] %(title)s") % {"title": title}
    return notify(
        [
            Message(
                recipients=recipients,
                kind=kind,
                title=title,
                body=case.title,
                key=f"case:{case_id}:event:{event.seq}",
                case_id=case_id,
                priority=priority,
            )
        ]
    )


@receiver(demo_history_loaded)
def demo_sweep(sender, district, **kwargs):
    """The demo's backlog passed its deadlines while nobody ran the sweep: run it, as the worker would in its
    first minute."""
    swept = sweep()
    return f"{swept.overdue} overdue, {swept.climbed} escalated by the sweep"

"""Who hears what of the duty rosters, through the one notification outbox (``dispatch.notifications``: the
inbox row now, outside copies published on commit). Called inside each service's transaction, so a refused
step tells nobody; every message is keyed by what it is about, so a retry never tells twice.

| step                | who hears it                                               |
|---------------------|------------------------------------------------------------|
| roster published    | everyone with a shift on it (how many, the first)          |
| swap requested      | the person asked to take the shift, and the roster's leader |
| swap approved       | the requester (shift gone) and the substitute (shift theirs) |
| swap refused        | the requester and the substitute, with the reason          |
| handover written    | the people on the unit's next shift                        |
| shift about to start | its person, once (``shifts_remind``, a step of the sweep)  |
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dispatch.notifications import Message, notify
from worktime.calendar import LOCAL_TZ

from .models import Handover, Roster, RosterStatus, Shift, Swap

KIND = "duty"
# How long before a shift its person is reminded (a night shift's officer hears in the afternoon).
REMIND_BEFORE = dt.timedelta(hours=3)
BATCH = 1000


def _when(moment: dt.datetime) -> str:
    return date_format(moment.astimezone(LOCAL_TZ), "Y-m-d H:i")


def _span(shift) -> dict:
    return {
        "shift": str(shift.get_kind_display()),
        "a": _when(shift.starts_at),
        "b": _when(shift.ends_at),
    }


def roster_published(roster: Roster) -> None:
    """Each person on the roster: how many shifts they have on it and when the first starts (one query)."""
    mine = (
        Shift.objects.filter(roster=roster)
        .values("person_id")
        .annotate(n=Count("id"), first=Min("starts_at"))
        .order_by()
    )
    notify(
        [
            Message(
                recipients={row["person_id"]},
                kind=KIND,
                title=_("Duty roster published: %(roster)s") % {"roster": roster.title},
                body=_("You have %(n)d shifts on it; the first starts %(first)s.")
                % {"n": row["n"], "first": _when(row["first"])},
                key=f"duty:roster:{roster.pk}:published",
            )
            for row in mine
        ]
    )


def swap_requested(swap: Swap) -> None:
    shift = swap.shift
    notify(
        [
            Message(
                recipients={swap.substitute_id},
                kind=KIND,
                title=_("%(person)s asks you to take their %(shift)s %(a)s–%(b)s")
                % {"person": str(swap.requester), **_span(shift)},
                body=swap.reason,
                key=f"duty:swap:{swap.pk}:asked",
            ),
            Message(
                recipients={shift.roster.leader_id} - {swap.requester_id},
                kind=KIND,
                title=_("A shift swap awaits your approval: %(shift)s %(a)s–%(b)s") % _span(shift),
                body=swap.reason,
                key=f"duty:swap:{swap.pk}:to-decide",
            ),
        ]
    )


def swap_decided(swap: Swap) -> None:
    """Approved: the shift is now the substitute's (a changed shift); refused: both hear why."""
    shift = swap.shift
    if swap.status == "approved":
        messages = [
            Message(
                recipients={swap.requester_id},
                kind=KIND,
                title=_("Swap approved: your %(shift)s %(a)s–%(b)s is no longer yours") % _span(shift),
                key=f"duty:swap:{swap.pk}:approved",
            ),
            Message(
                recipients={swap.substitute_id},
                kind=KIND,
                title=_("Your duty changed: you are now on the %(shift)s %(a)s–%(b)s") % _span(shift),
                key=f"duty:swap:{swap.pk}:approved",
            ),
        ]
    else:
        messages = [
            Message(
                recipients={swap.requester_id, swap.substitute_id},
                kind=KIND,
                title=_("Swap refused: the %(shift)s %(a)s–%(b)s stays as it was") % _span(shift),
                body=swap.refusal_reason,
                key=f"duty:swap:{swap.pk}:refused",
            )
        ]
    notify(messages)


def next_shift_people(shift: Shift) -> set[int]:
    """The people on the unit's next published shift: the first start after this shift's (two queries)."""
    later = Shift.objects.filter(
        unit_code=shift.unit_code,
        roster__status=RosterStatus.PUBLISHED,
        starts_at__gt=shift.starts_at,
        starts_at__lt=shift.ends_at + dt.timedelta(hours=48),
    )
    first = later.order_by("starts_at").values_list("starts_at", flat=True).first()
    if first is None:
        return set()
    return set(later.filter(starts_at=first).values_list("person_id", flat=True))


def handover_written(handover: Handover) -> None:
    shift = handover.shift
    notify(
        [
            Message(
                recipients=next_shift_people(shift) - {handover.written_by_id},
                kind=KIND,
                title=_("Handover from the %(shift)s %(a)s–%(b)s") % _span(shift),
                body="\n".join(x for x in (handover.happened, handover.open_matters) if x)[:1000],
                key=f"duty:handover:{handover.pk}",
            )
        ]
    )


def _due(now):
    return Shift.objects.filter(
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
        roster__status=RosterStatus.PUBLISHED,
    )


def shifts_remind(*, now=None) -> int:
    """The sweep's step: each published shift starting within ``REMIND_BEFORE`` reminds its person once.
    Rows are claimed by compare-and-set on ``reminded_at`` under their row locks (a second sweep waits,
    then finds them claimed); nothing due costs one indexed query."""
    now = now or timezone.now()
    if not _due(now).exists():
        return 0
    reminded = 0
    while True:
        with transaction.atomic():
            rows = list(
                _due(now)
                .select_for_update(of=("self",))
                .order_by("id")
                .values("id", "person_id", "kind", "starts_at", "ends_at")[:BATCH]
            )
            claimed = Shift.objects.filter(pk__in=[r["id"] for r in rows], reminded_at__isnull=True).update(
                reminded_at=now
            )
            notify([_reminder(r) for r in rows], at=now)
            reminded += claimed
        if len(rows) < BATCH:
            return reminded


def _reminder(row) -> Message:
    shift = Shift(kind=row["kind"], starts_at=row["starts_at"], ends_at=row["ends_at"])
    return Message(
        recipients={row["person_id"]},
        kind=KIND,
        title=_("Reminder: your %(shift)s starts %(a)s (until %(b)s)") % _span(shift),
        key=f"duty:shift:{row['id']}:remind",
    )

"""Where a duty notice (``duty.notify``) links, for a reader who may open the page (``dispatch.targets``,
registered in ``DutyConfig.ready``): a published roster → its unit's month at the roster's first month; a
swap asked, approved or refused → its shift's page at the swaps; a handover → its shift's page at the
handover log; a reminder → the shift. One query per kind of object on the page, and one for the shifts."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch.targets import Target, key_ids
from grids.scope import scoped

from . import selectors
from .models import Handover, Roster, Shift, Swap


def duty_targets(user, rows) -> dict[int, Target]:
    found = _roster_targets(user, key_ids(rows, r"duty:roster:(\d+):published"))
    swaps = _shift_of(Swap, key_ids(rows, r"duty:swap:(\d+):[a-z-]+"))
    handovers = _shift_of(Handover, key_ids(rows, r"duty:handover:(\d+)"))
    reminders = key_ids(rows, r"duty:shift:(\d+):remind")
    visible = set(
        scoped(user, Shift.objects.filter(pk__in={*swaps.values(), *handovers.values(), *reminders.values()}))
        .values_list("pk", flat=True)
        .order_by()
    )
    for ids, anchor, label in (
        (swaps, "#swaps-title", _("Open the swap")),
        (handovers, "#handover-title", _("Open the handover")),
        (reminders, "", _("Open the shift")),
    ):
        found.update(
            {
                n: Target(reverse("duty:shift", args=[pk]) + anchor, label)
                for n, pk in ids.items()
                if pk in visible
            }
        )
    return found


def _shift_of(model, ids: dict[int, int]) -> dict[int, int]:
    """{notification id: shift id} through the swaps or handovers the notices name."""
    if not ids:
        return {}
    shift_of = dict(model.objects.filter(pk__in=set(ids.values())).values_list("pk", "shift_id").order_by())
    return {n: shift_of[pk] for n, pk in ids.items() if pk in shift_of}


def _roster_targets(user, ids: dict[int, int]) -> dict[int, Target]:
    if not ids:
        return {}
    rosters = {
        pk: (code, first)
        for pk, code, first in Roster.objects.filter(pk__in=set(ids.values()))
        .values_list("pk", "unit__code", "starts_on")
        .order_by()
    }
    units = set(
        selectors.units_for(user)
        .filter(code__in={code for code, _first in rosters.values()})
        .values_list("code", flat=True)
        .order_by()
    )
    label = _("Open the roster")
    found = {}
    for n, pk in ids.items():
        code, first = rosters.get(pk, ("", None))
        if code in units:
            found[n] = Target(f"{reverse('duty:unit', args=[code])}?month={first:%Y-%m}", label)
    return found

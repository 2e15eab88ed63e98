"""Objects of the unit (community) of grid N for tests/test_scope_coverage.py: basename -> maker(tree, i).

A community's roster is its people's: the grid workers of its grids among them."""

import datetime as dt
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def _person(tree, i, tag="w"):
    from grids.models import Role, User

    from ..factories import make_user

    name = {0: "worker", 1: "worker2"}.get(i) if tag == "w" else None
    name = name or f"duty-{tag}{i}"
    found = User.objects.filter(username=name).first()
    return found or make_user(name, Role.GRID_WORKER, tree.grids[i])


def _roster(tree, i, day: dt.date, publish=True):
    from duty import services

    person = _person(tree, i)
    start = dt.datetime.combine(day, dt.time(17, 30), SH)
    roster = services.roster_save(
        actor=tree.users["centre"],
        unit=tree.grids[i].parent,
        starts_on=day,
        ends_on=day + dt.timedelta(days=1),
        leader=person,
        shifts=[
            {
                "person": person,
                "post": "officer",
                "kind": "night",
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=15),
            }
        ],
    )
    if publish:
        services.roster_publish(actor=tree.users["centre"], roster_id=roster.pk)
    return roster


def roster_in(tree, i):
    return _roster(tree, i, dt.date.today() + dt.timedelta(days=10 + 3 * i)).pk


def shift_in(tree, i):
    return _roster(tree, i, dt.date.today() + dt.timedelta(days=10 + 3 * i)).shifts.get().pk


def swap_in(tree, i):
    from duty import services

    shift = _roster(tree, i, dt.date.today() + dt.timedelta(days=10 + 3 * i)).shifts.get()
    return services.swap_request(
        actor=shift.person, shift_id=shift.pk, substitute=_person(tree, i, "sub"), reason="事假"
    ).pk


def handover_in(tree, i):
    from duty import services

    shift = _roster(tree, i, dt.date.today() - dt.timedelta(days=30 - 3 * i)).shifts.get()
    return services.handover_write(actor=shift.person, shift_id=shift.pk, happened="平安无事").pk


def event_in(tree, i):
    from duty.models import DutyEvent

    roster = _roster(tree, i, dt.date.today() + dt.timedelta(days=10 + 3 * i), publish=False)
    return DutyEvent.objects.get(roster=roster).pk


MAKERS = {
    "duty-roster": roster_in,
    "duty-shift": shift_in,
    "duty-swap": swap_in,
    "duty-handover": handover_in,
    "duty-event": event_in,
}
EXEMPT: dict = {}

"""A rota drawn on the working-time calendar: what ``roster_save`` is usually given.

On a working day the unit works its windows, so the duty is the night (from the afternoon window's end to
the next morning's start); on a rest day or a public holiday there is a day shift (the windows' span) and a
night shift. Each shift has a leader (带班领导, one per day, in turn) and a duty officer (值班员, one per
shift, in turn). The windows are the unit's district's (worktime.WorkingCalendar).
"""

import datetime as dt

from worktime.calendar import LOCAL_TZ, is_working_day, windows_for

from .models import Post, ShiftKind


def _at(day: dt.date, micros: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ) + dt.timedelta(microseconds=micros)


def rota_plan(*, unit, starts_on: dt.date, ends_on: dt.date, leaders: list, officers: list) -> list[dict]:
    """Shifts (dicts for ``roster_save``) from ``starts_on`` to ``ends_on``; people are user ids (or users),
    taken in turn."""
    spans = windows_for(unit).spans
    opens, closes = spans[0][0], spans[-1][1]
    leaders = [getattr(p, "pk", p) for p in leaders]
    officers = [getattr(p, "pk", p) for p in officers]
    shifts: list[dict] = []
    slot = 0
    day, n = starts_on, 0
    while day <= ends_on:
        slots = [(ShiftKind.NIGHT, _at(day, closes), _at(day + dt.timedelta(days=1), opens))]
        if not is_working_day(day):
            slots.insert(0, (ShiftKind.DAY, _at(day, opens), _at(day, closes)))
        for kind, start, end in slots:
            if leaders:
                shifts.append(
                    {
                        "person": leaders[n % len(leaders)],
                        "post": Post.LEADER,
                        "kind": kind,
                        "starts_at": start,
                        "ends_at": end,
                    }
                )
            if officers:
                shifts.append(
                    {
                        "person": officers[slot % len(officers)],
                        "post": Post.OFFICER,
                        "kind": kind,
                        "starts_at": start,
                        "ends_at": end,
                    }
                )
            slot += 1
        day += dt.timedelta(days=1)
        n += 1
    return shifts

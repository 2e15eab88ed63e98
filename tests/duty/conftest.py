import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from duty import services
from duty.models import Post, ShiftKind
from grids.models import Role
from tests.factories import make_user

SH = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SH)


def shift(person, start, end, post=Post.OFFICER, kind=ShiftKind.NIGHT):
    return {"person": person, "post": post, "kind": kind, "starts_at": start, "ends_at": end}


@pytest.fixture
def unit(tree):
    """Community 0 with two more community staff (grids 0 and 1 give it worker, worker2 and leader)."""
    community = tree.communities[0]
    tree.users["community2"] = make_user("community2", Role.COMMUNITY_STAFF, community)
    return community


@pytest.fixture
def future_day():
    return dt.date.today() + dt.timedelta(days=10)


@pytest.fixture
def published(tree, unit, future_day):
    """A published roster of community 0: worker on the night of ``future_day``, worker2 the night after."""
    u = tree.users
    roster = services.roster_save(
        actor=u["community"],
        unit=unit,
        starts_on=future_day,
        ends_on=future_day + dt.timedelta(days=6),
        leader=u["community"],
        shifts=[
            shift(u["worker"], at(future_day, 17, 30), at(future_day + dt.timedelta(days=1), 8, 30)),
            shift(
                u["worker2"],
                at(future_day + dt.timedelta(days=1), 17, 30),
                at(future_day + dt.timedelta(days=2), 8, 30),
            ),
        ],
    )
    return services.roster_publish(actor=u["community"], roster_id=roster.pk)

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from community import services
from residents.models import Person

SH = ZoneInfo("Asia/Shanghai")
SAT_9 = datetime(2026, 11, 7, 9, tzinfo=SH)


@pytest.fixture
def frozen():
    with time_machine.travel(SAT_9 - timedelta(days=1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def person(tree):
    return Person.objects.create(area=tree.grids[0], name="李桂英", phone_mask="138****1234")


@pytest.fixture
def volunteer(tree, person):
    return services.volunteer_register(actor=tree.users["worker"], person=person, skills="巡逻")


@pytest.fixture
def rule(tree):
    return services.point_rule_set(
        actor=tree.users["community"],
        community=tree.communities[0],
        activity_type="patrol",
        points_per_attendance=5,
        points_per_hour=10,
    )


@pytest.fixture
def activity(tree, rule, frozen):
    return services.activity_create(
        actor=tree.users["community"],
        community=tree.communities[0],
        activity_type="patrol",
        title="平安巡逻",
        place="3栋楼下",
        starts_at=SAT_9,
        ends_at=SAT_9 + timedelta(hours=2),
        capacity=2,
    )


@pytest.fixture
def reward(tree):
    return services.reward_add(
        actor=tree.users["community"], community=tree.communities[0], name="大米", points_cost=10, stock=3
    )


def earn(tree, volunteer, points):
    return services.points_adjust(
        actor=tree.users["community"], volunteer=volunteer, points=points, reason="补录"
    )

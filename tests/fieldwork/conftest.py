from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fieldwork import services

SH = ZoneInfo("Asia/Shanghai")
GRID_DAY = date(2026, 3, 18)
MORNING = datetime(2026, 3, 18, 9, tzinfo=SH)
BEFORE = datetime(2026, 3, 2, 9, tzinfo=SH)


@pytest.fixture
def before():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


def schedule(tree, community=0, day=GRID_DAY, actor="community"):
    return services.grid_day_schedule(
        actor=tree.users[actor], community_id=tree.communities[community].pk, day=day, title="3月网格日"
    )


def inside(grid):
    return {"lat": grid.centroid_lat, "lon": grid.centroid_lon}

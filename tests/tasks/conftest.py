import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tasks import services
from tasks.models import AdmissionItem

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, tzinfo=SH)
FRIDAY_1730 = datetime(2026, 3, 6, 17, 30, tzinfo=SH)

ITEMS = [
    {
        "code": "A01",
        "name": "实有人口信息采集",
        "item_class": "基础信息采集",
        "department": "CG",
        "basis": "《居住证暂行条例》",
        "grid_action": "collect",
        "frequency": "每季度",
    },
    {
        "code": "C02",
        "name": "燃气安全隐患巡查",
        "item_class": "安全隐患巡查",
        "basis": "《城镇燃气管理条例》",
        "grid_action": "patrol",
        "frequency": "每月",
    },
    {
        "code": "Z99",
        "name": "执法取证",
        "item_class": "其他",
        "basis": "不得由网格员承担",
        "grid_action": "assist",
        "workers_assignable": False,
    },
]

FORM = [
    {
        "code": "hose",
        "label": "软管",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "ok", "name": "正常"}, {"key": "old", "name": "老化"}],
    },
    {"code": "remark", "label": "备注", "datatype": "string"},
]


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_9, tick=False):
        yield MONDAY_9


@pytest.fixture
def admitted(tree, monday):
    """Version 1 of the list, in force since 2026-01-01 (and the 2026 calendar, which a transactional
    test's flush may have emptied)."""
    call_command("load_holidays", year=[2026], stdout=io.StringIO())
    services.admission_list_publish(
        actor=tree.users["centre"],
        version=1,
        title="测试区网格事项准入清单",
        approved_by="测试区人民政府",
        approved_on=date(2025, 12, 20),
        effective_from=date(2026, 1, 1),
        items=ITEMS,
    )
    return {item.code: item for item in AdmissionItem.objects.all()}


def send(tree, item, *, actor=None, selection=None, **kwargs):
    kwargs.setdefault("starts_at", MONDAY_9)
    kwargs.setdefault("deadline", FRIDAY_1730)
    kwargs.setdefault("title", "燃气安全专项排查")
    return services.task_create(
        actor=actor or tree.users["centre"],
        item=item,
        selection=selection or {"subtree": tree.streets[0].code},
        **kwargs,
    )


def building(grid, n=1):
    from residents.models import Building

    return [
        Building.objects.create(area=grid, code=f"B-{grid.code}-{i}", name=f"{grid.name}{i}栋")
        for i in range(n)
    ]

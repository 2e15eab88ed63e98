"""Examples for the field-work API's OpenAPI document, shaped as the demo district answers."""

from drf_spectacular.utils import OpenApiExample

SCHEDULE_EXAMPLE = OpenApiExample(
    "a community sets this month's grid day",
    request_only=True,
    value={
        "community": 31,
        "day": "2026-12-18",
        "title": "12月网格日",
        "note": "重点走访独居老人、排查燃气隐患",
    },
)
ASSIGN_EXAMPLE = OpenApiExample(
    "a street cadre goes down to a grid", request_only=True, value={"grid": 118, "cadre": 42}
)
CHECK_IN_EXAMPLE = OpenApiExample(
    "the phone's position on site", request_only=True, value={"lat": 28.2071, "lon": 112.9432}
)
CHECK_IN_OUTSIDE = OpenApiExample(
    "refused: the point is outside the grid",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "Invalid input.",
        "fields": {"location": ["您不在网格“麓山第一网格”范围内，请到网格内现场签到。"]},
    },
)
RECORD_EXAMPLE = OpenApiExample(
    "what was done, and a finding raised as a case",
    request_only=True,
    value={
        "did": "走访独居老人3户，召开楼栋长小会1次",
        "found": "8栋楼道堆放杂物堵塞消防通道",
        "finding": {"category": 57, "title": "8栋楼道堆物", "description": "杂物堵塞消防通道，需清理"},
    },
)
RECORD_TASK_EXAMPLE = OpenApiExample(
    "a finding raised as a follow-up task for the grid (an admitted item)",
    request_only=True,
    value={
        "did": "随社区走访沿街商铺12家",
        "found": "4家商铺灭火器过期",
        "follow_up": {
            "item": "C03-02",
            "title": "沿街商铺消防器材复查",
            "description": "督促4家商铺更换灭火器，两周内复查",
            "deadline": "2026-12-18",
        },
    },
)
SUBMIT_EXAMPLE = OpenApiExample(
    "the worker completes the day's log",
    request_only=True,
    value={"summary": "巡查网格两圈，走访5户，上报井盖缺失1件", "issues": "3栋外墙空鼓，明日跟进"},
)
COVERAGE_EXAMPLE = OpenApiExample(
    "a month's coverage",
    response_only=True,
    value={
        "month": "2026-11",
        "grids": 2,
        "scheduled": 2,
        "held": 1,
        "cadres": 2,
        "rows": [
            {
                "grid_code": "430188001001001",
                "grid": "麓山第一网格",
                "community": "麓山社区",
                "grid_day_id": 7,
                "day": "2026-11-20",
                "assigned": 2,
                "came": ["王建国", "李敏"],
                "findings": ["LH20261120-0012"],
                "held": True,
            },
            {
                "grid_code": "430188001001002",
                "grid": "麓山第二网格",
                "community": "麓山社区",
                "grid_day_id": 7,
                "day": "2026-11-20",
                "assigned": 1,
                "came": [],
                "findings": [],
                "held": False,
            },
        ],
    },
)
ATTENDANCE_EXAMPLE = OpenApiExample(
    "a month's attendance",
    response_only=True,
    value=[
        {
            "worker_id": 12,
            "worker": "张丽",
            "days": 21,
            "attended": 19,
            "rate": 90.48,
            "minutes": 3150,
            "hours": 52.5,
            "metres": 96400,
            "visits": 64,
            "cases": 23,
            "submitted": 20,
        }
    ],
)

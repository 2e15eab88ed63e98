"""Examples for the risk API's OpenAPI document, shaped as the demo district answers."""

from drf_spectacular.utils import OpenApiExample

SCORE_EXAMPLE = OpenApiExample(
    "a red grid and why",
    response_only=True,
    value={
        "id": 412,
        "area": 88,
        "area_code": "430104001002003",
        "area_name": "望麓园第三网格",
        "day": "2026-12-05",
        "score": "46.00",
        "level": "red",
        "level_display": "高",
        "parts": [
            {
                "key": "recurrence",
                "label": "重复发生（热点）",
                "explains": "热点中首件之后的案件数",
                "value": 8,
                "weight": 2,
                "points": 16,
            },
            {
                "key": "case_mix",
                "label": "案件构成",
                "explains": "窗口期内上报的案件，紧急计 3、一般计 1",
                "value": 14,
                "weight": 1,
                "points": 14,
            },
            {
                "key": "overdue",
                "label": "超期案件",
                "explains": "超过阶段时限的在办案件（红灯）",
                "value": 4,
                "weight": 3,
                "points": 12,
            },
            {
                "key": "special_visits",
                "label": "重点人群未走访",
                "explains": "超过应访日期的重点人员走访任务",
                "value": 2,
                "weight": 2,
                "points": 4,
            },
        ],
        "computed_at": "2026-12-05T02:01:12+08:00",
    },
)
SETTINGS_EXAMPLE = OpenApiExample(
    "the centre weighs overdue cases more",
    request_only=True,
    value={"weights": {"overdue": 5, "special_visits": 3}, "yellow_at": 15, "red_at": 35, "window_days": 30},
)
CLOSE_EXAMPLE = OpenApiExample(
    "closed with what was done",
    request_only=True,
    value={"outcome": "社区联合城管清理占道堆物，加装围挡并安排网格员每日巡查。"},
)
WARNING_EXAMPLE = OpenApiExample(
    "repeated reports at one place",
    response_only=True,
    value={
        "id": 31,
        "rule": "repeated_place",
        "rule_display": "同一地点反复报告",
        "area": 88,
        "area_code": "430104001002003",
        "area_name": "望麓园第三网格",
        "reason": "垃圾堆放在 望麓园东门 附近于 2026-11-12 至 2026-12-04 期间报告 6 次。",
        "facts": {
            "category": "垃圾堆放",
            "count": 6,
            "address": "望麓园东门",
            "first": "2026-11-12",
            "last": "2026-12-04",
            "cases": [1201, 1388],
        },
        "status": "open",
        "status_display": "待签收",
        "opened_at": "2026-12-05T02:01:12+08:00",
        "acknowledged_at": None,
        "closed_at": None,
        "outcome": "",
        "unit_name": "望麓园社区",
        "unit_code": "430104001002",
        "unit_department": None,
        "due_at": "2026-12-11T17:30:00+08:00",
        "escalation_level": 0,
    },
)
TRANSFER_EXAMPLE = OpenApiExample(
    "to the department that handles the category",
    request_only=True,
    value={"department": 3, "comment": "占道堆物属城管执法职责，转城管局处置。"},
)

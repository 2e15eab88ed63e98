"""Examples for the tasks API's OpenAPI document, shaped as the demo district answers."""

from drf_spectacular.utils import OpenApiExample

PUBLISH_EXAMPLE = OpenApiExample(
    "the district approves version 2",
    request_only=True,
    value={
        "version": 2,
        "title": "麓湖区网格事项准入清单（2027年版）",
        "approved_by": "麓湖区人民政府",
        "approved_on": "2026-12-01",
        "effective_from": "2027-01-01",
        "items": [
            {
                "code": "A01-01",
                "name": "实有人口信息采集",
                "item_class": "基础信息采集",
                "department": "GA",
                "basis": "《居住证暂行条例》第六条",
                "grid_action": "collect",
                "frequency": "每季度",
                "workers_assignable": True,
            }
        ],
    },
)
TASK_EXAMPLE = OpenApiExample(
    "a campaign to every grid of a street",
    request_only=True,
    value={
        "title": "冬季燃气安全专项排查",
        "item": 12,
        "instructions": "逐栋检查燃气软管、报警器和通风情况，发现隐患当场拍照上报。",
        "fields": [
            {
                "code": "hose",
                "label": "软管是否老化",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "ok", "name": "正常"}, {"key": "old", "name": "老化"}],
            },
            {
                "code": "alarm",
                "label": "报警器",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "yes", "name": "已安装"}, {"key": "no", "name": "未安装"}],
            },
        ],
        "selection": {"subtree": "430188001"},
        "target_kind": "building",
        "starts_at": "2026-12-07T08:30:00+08:00",
        "deadline": "2026-12-18T17:30:00+08:00",
    },
)
ITEM_NOT_ADMITTED = OpenApiExample(
    "refused: the item is not on the list",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "Invalid input.",
        "fields": {"item": ["该事项不在网格事项准入清单内"]},
    },
)
PROGRESS_EXAMPLE = OpenApiExample(
    "a street's communities",
    response_only=True,
    value={
        "level": "community",
        "totals": {
            "assigned": 24,
            "started": 20,
            "submitted": 5,
            "done": 11,
            "overdue": 2,
            "targets_total": 812,
            "targets_done": 640,
        },
        "rows": [
            {
                "unit": "430188001001",
                "name": "翠园社区",
                "assigned": 8,
                "started": 8,
                "submitted": 1,
                "done": 6,
                "overdue": 0,
                "targets_total": 260,
                "targets_done": 251,
            },
        ],
    },
)
ASSIGN_EXAMPLE = OpenApiExample(
    "hand it to two workers", request_only=True, value={"workers": [98, 131], "version": 1}
)
REVIEW_EXAMPLES = [
    OpenApiExample("accept", request_only=True, value={"accept": True, "version": 4}),
    OpenApiExample(
        "send back", request_only=True, value={"accept": False, "reason": "3栋未拍照，请补充。", "version": 4}
    ),
]
RESULT_EXAMPLE = OpenApiExample(
    "one building checked, a hazard found",
    request_only=True,
    value={
        "assignment": 5531,
        "target": 88412,
        "values": {"hose": "old", "alarm": "no"},
        "note": "2单元302软管老化",
        "lat": 28.1518,
        "lon": 112.9036,
        "finding": {
            "category": 31,
            "title": "3栋2单元燃气软管老化",
            "description": "住户不在家，已贴告知单。",
        },
    },
)

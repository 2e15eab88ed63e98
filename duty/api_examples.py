"""Examples for the duty API's OpenAPI document, shaped as the demo district answers."""

from drf_spectacular.utils import OpenApiExample

ROSTER_EXAMPLE = OpenApiExample(
    "a community's week, shift by shift",
    request_only=True,
    value={
        "unit": "430104001001",
        "title": "望麓园社区 12 月第 2 周值班表",
        "starts_on": "2026-12-07",
        "ends_on": "2026-12-13",
        "leader": 41,
        "shifts": [
            {
                "person": 41,
                "post": "leader",
                "kind": "night",
                "starts_at": "2026-12-07T17:30:00+08:00",
                "ends_at": "2026-12-08T08:30:00+08:00",
            },
            {
                "person": 57,
                "post": "officer",
                "kind": "night",
                "starts_at": "2026-12-07T17:30:00+08:00",
                "ends_at": "2026-12-08T08:30:00+08:00",
            },
        ],
    },
)
ROTA_EXAMPLE = OpenApiExample(
    "a street's year, drawn on the working calendar",
    request_only=True,
    value={
        "unit": "430104001",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "leader": 12,
        "rota": {"leaders": [12, 13], "officers": [14, 15, 16]},
    },
)
OVERLAP_REFUSED = OpenApiExample(
    "refused: a person on two overlapping shifts",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "Invalid input.",
        "fields": {
            "shifts": [
                "张伟 的两个班次时间重叠：2026-12-07 17:30–2026-12-08 08:30 与 "
                "2026-12-07 20:00–2026-12-08 08:00。"
            ]
        },
    },
)
SWAP_EXAMPLE = OpenApiExample(
    "ask a colleague to take a night",
    request_only=True,
    value={"substitute": 58, "reason": "当晚需陪同家人就医"},
)
SWAP_OUTSIDER = OpenApiExample(
    "refused: the substitute is not of the unit",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "Invalid input.",
        "fields": {"substitute": ["换班人员须是望麓园社区的人员。"]},
    },
)
REFUSE_EXAMPLE = OpenApiExample(
    "refuse, saying why", request_only=True, value={"reason": "当晚防汛值守，人手不足"}
)
HANDOVER_EXAMPLE = OpenApiExample(
    "a night's handover",
    request_only=True,
    value={
        "happened": "22:10 接居民电话反映 3 栋水管爆裂，已通知物业关阀；其余平稳。",
        "open_matters": "3 栋水管待物业今日上午维修，请跟进并回复居民。",
    },
)

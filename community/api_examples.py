"""Examples for the community API's OpenAPI document, shaped as the demo district answers."""

from drf_spectacular.utils import OpenApiExample

TEAM_MEMBER_EXAMPLE = OpenApiExample(
    "the grid's community police officer",
    request_only=True,
    value={
        "area": "430104001001001",
        "role": "community_police",
        "name": "王警官",
        "work_phone": "0731-8888110",
        "duty": "警格民警，负责治安和矛盾纠纷",
    },
)
VOLUNTEER_EXAMPLE = OpenApiExample(
    "a resident registers as a micro-grid liaison",
    request_only=True,
    value={"person": 1024, "is_liaison": True, "skills": "水电维修", "availability": "周末上午"},
)
RULE_EXAMPLE = OpenApiExample(
    "patrols earn 5 points plus 10 an hour",
    request_only=True,
    value={
        "community": "430104001001",
        "activity_type": "patrol",
        "points_per_attendance": 5,
        "points_per_hour": 10,
    },
)
ACTIVITY_EXAMPLE = OpenApiExample(
    "a Saturday clean-up",
    request_only=True,
    value={
        "community": "430104001001",
        "activity_type": "cleanup",
        "title": "小区环境大扫除",
        "place": "3栋楼下广场",
        "starts_at": "2026-12-12T09:00:00+08:00",
        "ends_at": "2026-12-12T11:00:00+08:00",
        "capacity": 20,
    },
)
ADJUST_EXAMPLE = OpenApiExample(
    "a correction with its reason",
    request_only=True,
    value={"points": -10, "reason": "11月巡逻重复记分，更正"},
)
REDEEM_EXAMPLE = OpenApiExample("two bags of rice", request_only=True, value={"reward": 3, "quantity": 2})
OVER_BALANCE = OpenApiExample(
    "over the balance",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "输入有误。",
        "fields": {"quantity": ["需要 200 积分，当前余额 120。"]},
    },
)
RANKING_EXAMPLE = OpenApiExample(
    "the district's top volunteers in November",
    response_only=True,
    value=[
        {"rank": 1, "volunteer": 17, "name": "李桂英", "community": "望麓社区", "earned": 185},
        {"rank": 2, "volunteer": 4, "name": "张建国", "community": "桐溪社区", "earned": 160},
    ],
)

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
COUNCIL_EXAMPLE = OpenApiExample(
    "a four-party council of a community",
    request_only=True,
    value={
        "area": "430104001001",
        "name": "望麓社区四方议事会",
        "quorum_percent": 50,
        "members": [
            {"role": "party", "name": "刘书记", "organisation": "社区党委"},
            {"role": "property", "name": "陈经理", "organisation": "绿城物业"},
            {"role": "owners", "name": "周主任", "organisation": "业主委员会"},
            {"role": "residents", "person": 1024},
        ],
    },
)
MEETING_EXAMPLE = OpenApiExample(
    "a meeting on parking and a case",
    request_only=True,
    value={
        "council": 1,
        "held_at": "2026-11-20T19:30:00+08:00",
        "place": "党群服务中心二楼会议室",
        "agenda": [
            {"text": "3栋楼下非机动车乱停放"},
            {"text": "北门井盖破损（居民上报）", "case": "202611200001"},
            {"text": "燃气安全排查发现的楼道堆物", "task": 12},
        ],
        "present": [1, 2, 3],
        "minutes": "与会各方就停车点位和维修费用分担进行了讨论。",
    },
)
DECISION_EXAMPLE = OpenApiExample(
    "a charging shed, passed, with its follow-up",
    request_only=True,
    value={
        "text": "在3栋东侧建设电动车集中充电棚，费用由公共收益列支",
        "votes": {"1": "for", "2": "for", "3": "abstain"},
        "follow_ups": [{"what": "联系供电公司勘查线路", "who": "绿城物业 陈经理", "deadline": "2026-12-05"}],
    },
)
RAISE_EXAMPLE = OpenApiExample(
    "a follow-up sent as a task to two grids",
    request_only=True,
    value={
        "follow_up": 4,
        "carry_out_as": "task",
        "item": 2,
        "grids": ["310101001001001", "310101001001002"],
    },
)
NO_QUORUM = OpenApiExample(
    "a meeting without quorum cannot decide",
    response_only=True,
    status_codes=["400"],
    value={
        "code": "invalid",
        "message": "输入有误。",
        "fields": {"meeting": ["会议未达法定人数，不能表决。"]},
    },
)

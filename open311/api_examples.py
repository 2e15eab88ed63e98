"""Examples for the citizens' public API's OpenAPI document (``open311.citizen_api``), shaped as the demo
district answers in Chinese (the default language). tests/open311/test_api_citizen_schema.py checks each
one against the schema it illustrates."""

from drf_spectacular.utils import OpenApiExample

PUBLIC_ID = "k7m2q9xw4rtb"
TRACK_TOKEN = f"{PUBLIC_ID}:g3KCuioqFO9HJzqJ3306SZiRgWKVeyfjDGwqW0OIC6A"
PHONE_TOKEN = "eyJwaG9uZSI6IjEzODAwMDAxMjM0In0:1xZpOC:mv8hmSCNC4MHBBJYrq-FBLxNeJVxpJlXtPEvtEEWVks"
STOP_TOKEN = "MTc:1xZpOC:bkI7Dw_spZxTyD_56-hU7qzuDRnApi_5kRf4gr-kCAg"


def _error(name, status, code, message, fields=None, **extra):
    return OpenApiExample(
        name,
        response_only=True,
        status_codes=[status],
        value={"code": code, "message": message, "fields": fields or {}, **extra},
    )


CODE_REQUEST = OpenApiExample("a mobile number", request_only=True, value={"phone": "+86 138-0000-1234"})
CODE_SENT = OpenApiExample(
    "the code is on its way", response_only=True, value={"sent": True, "expires_in": 300}
)
CODE_CHECK = OpenApiExample(
    "the number and the code", request_only=True, value={"phone": "13800001234", "code": "482913"}
)
VERIFIED = OpenApiExample(
    "verified",
    response_only=True,
    value={"verified": True, "phone": "138****1234", "phone_token": PHONE_TOKEN, "expires_in": 1800},
)
UPDATE = OpenApiExample(
    "still there, with a few words",
    request_only=True,
    value={"phone_token": PHONE_TOKEN, "text": "垃圾还在，又多了两袋", "still_there": True},
)
UPDATED = OpenApiExample(
    "on the public timeline",
    response_only=True,
    status_codes=["201"],
    value={
        "update_id": f"{PUBLIC_ID}-4",
        "service_request_id": PUBLIC_ID,
        "status": "open",
        "updated_datetime": "2026-12-05T09:12:40+08:00",
        "description": "市民补充： 仍然存在。 垃圾还在，又多了两袋",
        "media_url": None,
        "photo_waiting_for_review": False,
    },
)
_MILESTONES = [
    {"at": "2026-12-01T08:02:11+08:00", "text": "已收到您的反映。", "detail": ""},
    {"at": "2026-12-01T09:30:00+08:00", "text": "已受理立案。", "detail": ""},
    {"at": "2026-12-02T16:45:20+08:00", "text": "已结案。", "detail": "垃圾已清运"},
]
TRACKING = OpenApiExample(
    "closed, waiting for the answer",
    response_only=True,
    value={
        "report": PUBLIC_ID,
        "followed": PUBLIC_ID,
        "status": "closed",
        "status_words": "已结案，请评价您的满意程度。",
        "may_rate": True,
        "may_reopen": True,
        "rating": "",
        "milestones": _MILESTONES,
    },
)
REOPENED = OpenApiExample(
    "still a problem: back to work",
    response_only=True,
    value={
        "report": PUBLIC_ID,
        "followed": PUBLIC_ID,
        "status": "filed",
        "status_words": "已受理立案，正在派往处置单位。",
        "may_rate": False,
        "may_reopen": False,
        "rating": "",
        "milestones": [
            *_MILESTONES,
            {"at": "2026-12-03T10:05:00+08:00", "text": "已重新办理。", "detail": ""},
        ],
    },
)
STILL_A_PROBLEM = OpenApiExample(
    "still a problem",
    request_only=True,
    value={"answer": "still_a_problem", "words": "只清了一半，楼道里还有"},
)
FIXED = OpenApiExample(
    "fixed, and satisfied",
    request_only=True,
    value={"answer": "fixed", "satisfaction": "satisfied", "comment": "处理很及时"},
)
SUBSCRIBE_REPORT = OpenApiExample(
    "follow a report by SMS", request_only=True, value={"report": PUBLIC_ID, "phone_token": PHONE_TOKEN}
)
SUBSCRIBE_AREA = OpenApiExample(
    "new reports in a community, by e-mail",
    request_only=True,
    value={"area": "430104001001", "email": "wang@example.cn"},
)
SUBSCRIBED = OpenApiExample(
    "following a report by SMS",
    response_only=True,
    value={
        "channel": "sms",
        "report": PUBLIC_ID,
        "area": None,
        "active": True,
        "awaiting_confirmation": False,
        "ended_at": None,
        "unsubscribe_token": STOP_TOKEN,
    },
)
CONFIRMED = OpenApiExample(
    "the e-mail address is checked",
    response_only=True,
    value={
        "channel": "email",
        "report": None,
        "area": "430104001001",
        "active": True,
        "awaiting_confirmation": False,
        "ended_at": None,
        "unsubscribe_token": None,
    },
)
UNSUBSCRIBED = OpenApiExample(
    "stopped",
    response_only=True,
    value={
        "channel": "sms",
        "report": PUBLIC_ID,
        "area": None,
        "active": False,
        "awaiting_confirmation": False,
        "ended_at": "2026-12-05T01:20:00Z",
        "unsubscribe_token": None,
    },
)
TOKEN = OpenApiExample("the link's token", request_only=True, value={"token": STOP_TOKEN})

INVALID_PHONE = _error(
    "not a mobile number", "400", "invalid", "无效的输入。", {"phone": ["请输入 11 位手机号码。"]}
)
FLOOD = _error("too many codes", "429", "throttled", "获取验证码过于频繁，请稍后再试。")
WRONG_CODE = _error(
    "a wrong code", "400", "invalid", "无效的输入。", {"code": ["验证码错误，还可尝试 4 次。"]}
)
TOO_MANY_TRIES = _error("too many tries from one address", "429", "throttled", "尝试次数过多，请稍后再试。")
NOT_VERIFIED = _error(
    "no verified phone", "400", "invalid", "无效的输入。", {"phone_token": ["请先用短信验证码验证手机号。"]}
)
TOO_MANY_UPDATES = _error(
    "too many updates from one phone", "429", "throttled", "该手机号今天提交的补充过多，请明天再试。"
)
NO_CONTACT = _error(
    "neither a verified phone nor an e-mail address",
    "400",
    "invalid",
    "无效的输入。",
    {"phone_token": ["请用短信验证码验证手机号，或填写电子邮箱。"]},
)
TOO_MANY_SUBSCRIPTIONS = _error(
    "too many from one address", "429", "throttled", "今天从此处提交的订阅过多，请明天再试。"
)
BAD_TOKEN = _error("a forged token", "400", "invalid", "无效的输入。", {"token": ["此链接无效。"]})
THROTTLED = _error("too many requests from one address", "429", "throttled", "请求已被限流。")
NOT_FOUND = _error("no such published report or link", "404", "not_found", "未找到。")
TOO_LATE = _error(
    "after the callback window",
    "400",
    "invalid",
    "无效的输入。",
    {"words": ["此反映已不能通过链接重新办理，请重新反映。"]},
)
NOT_NOW = _error("not closed, or rated already", "409", "conflict", "当前状态下不能进行此操作。")

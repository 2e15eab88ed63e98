"""Examples for the case API's OpenAPI document, shaped as the demo district answers.

A test checks every example against its schema, so a field renamed in a serializer cannot leave its
example behind.
"""

from drf_spectacular.utils import OpenApiExample

CASE_ROW = {
    "id": 2318,
    "number": "2026430188001000377",
    "title": "6栋路口井盖破损",
    "status": "dispatched",
    "category": 24,
    "category_code": "05002",
    "category_name": "井盖破损",
    "urgency": "normal",
    "level": "community",
    "source": "patrol",
    "area": 351,
    "area_code": "430188001001001004",
    "area_name": "6栋",
    "lat": 28.151807,
    "lon": 112.903611,
    "address": "潇湘中路216号",
    "handling_department": 1,
    "handling_department_name": "麓湖区城市管理局",
    "stage": "handle",
    "stage_due_at": "2026-12-01T12:00:00+08:00",
    "stage_warn_at": "2026-12-01T11:12:00+08:00",
    "alert": "",
    "is_supervised": False,
    "reported_at": "2026-11-30T09:12:26+08:00",
    "closed_at": None,
    "version": 3,
    "badges": [
        {
            "key": "predicted",
            "label": "预计超期 57%",
            "detail": "57%的可能超过时限：本单位该类别最近10件中有4件在此环节超期；已用本环节时限的50%。",
            "data": {"probability": 0.5714, "rate": 0.4, "sample": 10, "basis": "unit", "elapsed": 0.5},
        }
    ],
}
PHOTO = {
    "id": 7482,
    "kind": "before",
    "url": "https://gridgov.example.org/cases/attachments/7482/",
    "thumbnail_url": "https://gridgov.example.org/cases/attachments/7482/thumbnail/",
    "mime": "image/jpeg",
    "size": 186563,
    "width": 1600,
    "height": 1200,
    "gps_lat": 28.151807,
    "gps_lon": 112.903611,
    "taken_at": "2026-11-30T09:11:02+08:00",
    "original_name": "IMG_2041.jpg",
    "created_at": "2026-11-30T09:12:26+08:00",
}
CASE_DETAIL = {
    **CASE_ROW,
    "description": "翠园社区第1网格发现井盖破损，请尽快处置。",
    "extra": {"component_id": "J-8316", "cover_type": "telecom"},
    "reporter": 98,
    "reporter_name": "",
    "handling_area": None,
    "handled_by": None,
    "duplicate_of": None,
    "public_id": "8k8ssud9fdfb",
    "filed_at": "2026-11-30T09:20:41+08:00",
    "dispatched_at": "2026-11-30T09:31:05+08:00",
    "accepted_at": None,
    "handled_at": None,
    "verified_at": None,
    "evaluated_at": None,
    "voided_at": None,
    "suspended_at": None,
    "stage_started_at": "2026-11-30T09:31:05+08:00",
    "escalation_level": 0,
    "extension_requested_amount": None,
    "extension_requested_unit": "",
    "extension_reason": "",
    "rework_count": 0,
    "return_count": 0,
    "extension_count": 0,
    "escalation_count": 0,
    "reopen_count": 0,
    "close_type": "",
    "result": "",
    "satisfaction": "",
    "attachments": [PHOTO],
    "allowed_actions": ["accept", "return"],
}
REPORT_EVENT = {
    "case_number": "2026430188001000377",
    "seq": 1,
    "kind": "report",
    "actor": 98,
    "actor_name": "戴芳",
    "from_status": "",
    "to_status": "reported",
    "comment": "",
    "payload": {
        "source": "patrol",
        "area": "430188001001001004",
        "clock": {
            "stage": "file",
            "due_at": "2026-11-30T01:42:26+00:00",
            "warn_at": "2026-11-30T01:36:26+00:00",
            "unit": "natural_minutes",
            "remaining_seconds": None,
            "limit": {"amount": "30.00", "unit": "natural_minutes"},
        },
    },
    "created_at": "2026-11-30T09:12:26+08:00",
    "attachments": [PHOTO],
    "hash": "ed3b754d61525d0558fb93ade6dc13cacfb16671e971b384d62d1c1de494618d",
}

# One body per action (POST /api/v1/cases/{id}/{action}/), with the version the user saw.
ACTION_BODIES = {
    "file": {"version": 1, "comment": "现场核实属实，予以立案"},
    "void": {"version": 1, "reason": "非本辖区事项，已告知上报人"},
    "answer": {"version": 1, "result": "已电话告知来电人：居住证办理需携带身份证和租房合同到社区服务中心"},
    "return-to-hotline": {"version": 1, "reason": "该路段属相邻区管辖，请热线转派"},
    "dispatch": {"version": 2, "department": "CGJ", "comment": "请城管局当日处置"},
    "return": {"version": 3, "reason": "井盖属电信公司资产，不属本单位职责"},
    "accept": {"version": 3},
    "feedback": {"version": 4, "result": "已更换井盖并设置警示，现场恢复通行"},
    "request-extension": {
        "version": 4,
        "amount": "2.00",
        "unit": "working_days",
        "reason": "需协调产权单位供货",
    },
    "approve-extension": {"version": 5, "comment": "同意延期两个工作日"},
    "reject-extension": {"version": 5, "comment": "临时围挡当日可完成，不予延期"},
    "suspend": {"version": 4, "reason": "涉及产权纠纷，待法院判决"},
    "resume": {"version": 5, "comment": "判决已生效，恢复办理"},
    "verify-pass": {"version": 5, "note": "现场核查：井盖已更换，符合要求"},
    "verify-fail": {"version": 5, "note": "现场核查：警示标志缺失，退回重办"},
    "close": {"version": 6, "close_type": "normal", "comment": ""},
    "evaluate": {
        "version": 7,
        "satisfaction": "satisfied",
        "channel": "phone",
        "comment": "电话回访，市民满意",
    },
    "reopen": {"version": 8, "reason": "市民反映井盖再次松动"},
    "escalate": {"version": 2, "comment": "社区协调不了产权单位，提请街道"},
    "supervise": {"version": 4, "comment": "临近学校，列入区级督办"},
    "merge": {"version": 1, "into": "2026430188001000376", "reason": "同一井盖，已有案件在办"},
    "correct-area": {"version": 1, "area": "430188001001001003", "reason": "井盖实际位于3栋门前"},
    "note": {"text": "已联系环卫，明早清运", "public": True},
    "assign": {"version": 4, "assignee": 17, "comment": "请王师傅负责"},
}


def action_request(name, summary="") -> list:
    return [OpenApiExample(name, value=ACTION_BODIES[name], request_only=True, summary=summary or name)]


def _error(name, status, code, message, fields=None, **extra) -> OpenApiExample:
    """An error answer as ``exception_handler`` and ``conflict()`` build it."""
    return OpenApiExample(
        name,
        response_only=True,
        status_codes=[status],
        value={"code": code, "message": message, "fields": fields or {}, **extra},
    )


INVALID = _error(
    "A required field is missing", "400", "invalid", "Invalid input.", {"reason": ["This field is required."]}
)
NOT_YOURS = _error(
    "In your area but not your role",
    "403",
    "permission_denied",
    "You do not have permission to perform this action.",
)
NOT_FOUND = _error("No such case in your scope", "404", "not_found", "Not found.")
STALE = _error(
    "Stale version: what changed since",
    "409",
    "conflict",
    "The case changed since you loaded it.",
    current_version=3,
    changes=[{"seq": 3, "kind": "dispatch", "created_at": "2026-11-30T01:31:05Z", "to_status": "dispatched"}],
)
NOT_NOW = _error(
    "Not possible in this status: the allowed actions",
    "409",
    "conflict",
    "This action is not possible while the case is “Dispatched”.",
    allowed_actions=["accept", "return"],
)
SAME_MOMENT = _error(
    "Changed by someone else at the same moment",
    "409",
    "conflict",
    "Someone else changed this case at the same moment. Reload and try again.",
)

DETAIL = OpenApiExample("A dispatched case", value=CASE_DETAIL, response_only=True)
# A list's example is one item: drf-spectacular wraps it in the list (and the page) itself.
ROWS = [
    OpenApiExample("A dispatched case", value=CASE_ROW, response_only=True),
    OpenApiExample(
        "A closed case",
        response_only=True,
        value={
            **CASE_ROW,
            "id": 2290,
            "number": "2026430188001000351",
            "title": "3栋门前暴露垃圾",
            "status": "closed",
            "category": 2,
            "category_code": "01001",
            "category_name": "暴露垃圾",
            "level": "grid",
            "area": 348,
            "area_code": "430188001001001001",
            "area_name": "3栋",
            "handling_department": None,
            "handling_department_name": None,
            "stage": "",
            "stage_due_at": None,
            "stage_warn_at": None,
            "reported_at": "2026-11-29T15:02:11+08:00",
            "closed_at": "2026-11-29T17:40:03+08:00",
            "version": 7,
        },
    ),
]
CREATED = OpenApiExample(
    "The new case",
    response_only=True,
    status_codes=["201", "200"],
    value={
        "id": 2318,
        "number": "2026430188001000377",
        "public_id": "8k8ssud9fdfb",
        "status": "reported",
        "version": 1,
        "area": 351,
        "area_code": "430188001001001004",
        "stage_due_at": "2026-11-30T09:42:26+08:00",
        "reported_at": "2026-11-30T09:12:26+08:00",
        "attachments": [PHOTO],
    },
)
TIMELINE = OpenApiExample("The first event", value=REPORT_EVENT, response_only=True)
ACTIONS_NOW = OpenApiExample(
    "What this user may do now",
    value={"actions": ["accept", "return"]},
    response_only=True,
)
UPLOADED = OpenApiExample(
    "An evidence photo", value={**PHOTO, "kind": "evidence"}, response_only=True, status_codes=["201"]
)
DUPLICATES = OpenApiExample(
    "An open case nearby",
    response_only=True,
    value={
        "id": 2317,
        "number": "2026430188001000376",
        "title": "6栋门口井盖松动",
        "status": "filed",
        "status_display": "Filed",
        "reported_at": "2026-11-30T08:55:10+08:00",
        "distance_m": 12,
    },
)
CATEGORY = {
    "id": 24,
    "code": "05002",
    "name": "井盖破损",
    "parent_code": "05",
    "description": "",
    "default_level": "community",
    "verify_required": True,
    "after_photo_required": True,
    "fields": [
        {"code": "component_id", "label": "部件编号", "datatype": "string", "required": False},
        {
            "code": "cover_type",
            "label": "井盖类型",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [
                {"key": "sewage", "name": "污水"},
                {"key": "rain", "name": "雨水"},
                {"key": "telecom", "name": "通信"},
            ],
        },
    ],
    "auto_dispatch": False,
    "is_active": True,
    "limits": [
        {"urgency": "normal", "stage": "handle", "amount": "4.00", "unit": "working_hours"},
        {"urgency": "urgent", "stage": "handle", "amount": "2.00", "unit": "natural_hours"},
    ],
}
CATEGORY_EXAMPLE = OpenApiExample("A minor class", value=CATEGORY, response_only=True)

# A list answer: drf-spectacular wraps the one item in the list.
HANDLERS = OpenApiExample("A member of the grid team", value={"id": 17, "name": "王师傅"}, response_only=True)

# Photos sent in pieces first (POST /api/v1/uploads/), then named here: the JSON form of an attachment.
ATTACH_UPLOADS = OpenApiExample(
    "Finished uploads",
    value={"kind": "evidence", "uploads": ["6f1c2a4e-8d3b-4f57-9a0e-2b7c5d1e9f30"], "version": 7},
    request_only=True,
    summary="Photos already sent in pieces, named by their upload ids",
)

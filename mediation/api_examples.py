"""Request examples of the mediation API (in the OpenAPI document)."""

from drf_spectacular.utils import OpenApiExample

DISPUTE_EXAMPLE = OpenApiExample(
    "A neighbour dispute found by the monthly screening",
    request_only=True,
    value={
        "area": "430104001001001",
        "title": "楼上漏水致楼下墙面受损",
        "dispute_type": "neighbour",
        "description": "3栋502卫生间漏水，402墙面发霉，双方多次争吵。",
        "risk_level": "medium",
        "risk_reason": "双方情绪激动，曾发生推搡",
        "source": "screening",
        "screening": 12,
        "parties": [
            {"role": "applicant", "person": 3051},
            {"role": "respondent", "name": "王某", "id_number": "430104198001011234", "phone": "13800001111"},
        ],
    },
)
FROM_CASE_EXAMPLE = OpenApiExample(
    "A case of the dispute category becomes a dispute",
    request_only=True,
    value={"case": 981, "risk_level": "high", "risk_reason": "涉及欠薪人数多，有聚集苗头"},
)
SCREENING_EXAMPLES = [
    OpenApiExample(
        "Nothing found this month",
        request_only=True,
        value={"area": "430104001001001", "month": "2026-12-01", "nothing_found": True, "note": ""},
    ),
    OpenApiExample(
        "Something found (record the disputes next)",
        request_only=True,
        value={
            "area": "430104001001001",
            "month": "2026-12-01",
            "nothing_found": False,
            "note": "走访32户，发现邻里漏水纠纷1起",
        },
    ),
]
SESSION_EXAMPLE = OpenApiExample(
    "A session at the community mediation room",
    request_only=True,
    value={
        "held_at": "2026-12-03T15:00:00+08:00",
        "place": "社区人民调解室",
        "notes": "双方陈述，调解员释明相邻关系法律规定，502同意维修。",
        "mediators": [4, 7],
        "present": [21, 22],
    },
)
CONCLUDE_EXAMPLES = [
    OpenApiExample(
        "Agreement",
        request_only=True,
        value={
            "outcome": "agreement",
            "agreement_text": "一、502于12月10日前完成防水维修；二、赔偿402墙面修复费800元。",
            "note": "当场达成协议",
        },
    ),
    OpenApiExample(
        "Referred to the court",
        request_only=True,
        value={"outcome": "referred", "referred_to": "court", "note": "双方同意诉讼解决"},
    ),
]
STEP_REFUSED_EXAMPLE = OpenApiExample(
    "The step does not apply in this state",
    response_only=True,
    status_codes=["409"],
    value={"code": "not_allowed_now", "message": "此步骤不适用于“已化解”的纠纷。", "allowed": []},
)

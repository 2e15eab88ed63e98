"""Demo integrations: a 12345 hotline connector and a sanitation sensor platform with alert rules.

Their API keys are never printed and nobody knows them (only a hash of a random secret is stored):
for a real connector, create a key with ``manage.py create_api_key`` (and revoke the demo's).
"""

import hashlib
import random
import secrets

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cases.models import Category
from cases.services import case_answer, case_return_to_hotline
from grids.models import Area, Level, Membership, Role, User

from .hotline import order_receive
from .models import HotlineCategoryMap, Integration, SensorAlertRule, SensorDevice

# The hotline's own category codes (as a city 12345 platform numbers them) → ours.
HOTLINE_CODES = {
    "HL-0101": "01001",
    "HL-0102": "01003",
    "HL-0205": "02001",
    "HL-0401": "04001",
    "HL-0502": "05003",
    "HL-0503": "05005",
    "HL-0702": "07002",
    "HL-0801": "08001",
}
# Today's calls to the first community (its staff log in with the demo): (request type, their category,
# title, what the community does: an answer, a reason to send it back, or nothing yet).
CALLS = [
    (
        "consult",
        "09003",
        "咨询居住证办理需要哪些材料",
        "answer",
        "已告知：带身份证和租赁合同到社区服务中心办理。",
    ),
    (
        "consult",
        "09004",
        "咨询老年人助餐点的位置和价格",
        "answer",
        "已告知社区助餐点地址、开放时间和收费标准。",
    ),
    (
        "suggestion",
        "HL-0401",
        "建议小区门口增设非机动车停放点",
        "answer",
        "已纳入社区议事会议题，并回复来电人。",
    ),
    ("praise", "09002", "表扬网格员帮助独居老人就医", "answer", "已将表扬转达网格员及所在社区。"),
    ("complaint", "HL-0102", "相邻区路段渣土散落无人清扫", "return", "该路段属相邻区管辖，请热线转派。"),
    ("complaint", "HL-0101", "小区东门垃圾堆积三天无人清运", "", ""),
    ("help", "09001", "独居老人家中水管爆裂需要帮助", "", ""),
    ("tip_off", "03004", "有人夜间在河道旁倾倒建筑垃圾", "", ""),
]
# (alert type, our category, urgency, window minutes, case title)
SENSOR_RULES = [
    ("bin_full", "01001", "normal", 60, "垃圾桶满溢"),
    ("manhole_tilt", "05001", "urgent", 30, "井盖位移告警"),
    ("lamp_off", "05003", "normal", 240, "路灯熄灭告警"),
    ("hydrant_pressure", "05006", "urgent", 30, "消防栓水压异常"),
]


def load(*, district, seed, stdout, **options):
    rng = random.Random(f"intake-{seed}")
    hotline = _integration(rng, "市12345政务服务便民热线", Integration.Kind.HOTLINE)
    sensors = _integration(rng, "智慧环卫与市政设施物联网平台", Integration.Kind.SENSOR)
    categories = {
        c.code: c
        for c in Category.objects.filter(code__in=set(HOTLINE_CODES.values()) | {r[1] for r in SENSOR_RULES})
    }
    HotlineCategoryMap.objects.bulk_create(
        [
            HotlineCategoryMap(integration=hotline, their_code=theirs, category=categories[ours])
            for theirs, ours in HOTLINE_CODES.items()
            if ours in categories
        ]
    )
    SensorAlertRule.objects.bulk_create(
        [
            SensorAlertRule(
                integration=sensors,
                alert_type=kind,
                category=categories[code],
                urgency=urgency,
                window_minutes=window,
                title=title,
            )
            for kind, code, urgency, window, title in SENSOR_RULES
            if code in categories
        ]
    )
    grids = list(
        Area.objects.filter(code__startswith=district.code, level=Level.GRID, is_active=True)
        .exclude(centroid_lat=None)
        .order_by("code")
        .values_list("code", "centroid_lat", "centroid_lon")
    )
    devices = []
    for n, (code, lat, lon) in enumerate(rng.sample(grids, min(len(grids), 24))):
        kind = ("BIN", "MH", "LAMP", "HYD")[n % 4]
        devices.append(
            SensorDevice(
                integration=sensors,
                device_id=f"{kind}-{code[-6:]}-{n:02d}",
                name=f"{kind} {code}",
                lat=lat + rng.uniform(-0.0005, 0.0005),
                lon=lon + rng.uniform(-0.0005, 0.0005),
            )
        )
    SensorDevice.objects.bulk_create(devices)
    calls = _calls(hotline, grids)
    stdout.write(
        f"Intake: 2 integrations (hotline with {len(HOTLINE_CODES)} category mappings, sensors with "
        f"{len(SENSOR_RULES)} alert rules and {len(devices)} devices), {calls} of today's 12345 calls; "
        "keys: manage.py create_api_key"
    )


def _calls(hotline, grids) -> int:
    """Today's work orders through the hotline's own path; the community answers the enquiries, the
    suggestion and the praise, sends one back (退单) and leaves three to be filed."""
    community = grids[0][0][:12] if grids else ""
    staff = (
        Membership.objects.filter(role=Role.COMMUNITY_STAFF, area__code=community, is_active=True)
        .select_related("user")
        .first()
    )
    if staff is None:
        return 0
    own = [g for g in grids if g[0].startswith(community)]
    day = timezone.localdate().strftime("%Y%m%d")
    for n, (kind, theirs, title, step, words) in enumerate(CALLS):
        _code, lat, lon = own[n % len(own)]
        data = {
            "external_id": f"GD{day}{n + 1:04d}",
            "category": theirs,
            "title": title,
            "content": f"市民来电：{title}。",
            "request_type": kind,
            "lat": lat,
            "lon": lon,
        }
        case = order_receive(integration=hotline, data=data).order.case
        if step == "answer":
            case_answer(case_id=case.pk, actor=staff.user, result=words)
        elif step == "return":
            case_return_to_hotline(case_id=case.pk, actor=staff.user, reason=words)
    return len(CALLS)


def _integration(rng, name, kind):
    prefix = f"{rng.getrandbits(32):08x}"
    user = User.objects.create(
        username=f"integration-{prefix}", display_name=name, password=make_password(None)
    )
    secret_hash = hashlib.sha256(secrets.token_urlsafe(20).encode()).hexdigest()  # a key nobody holds
    return Integration.objects.create(
        name=name, kind=kind, key_prefix=prefix, key_hash=secret_hash, user=user
    )

"""The shipped category catalogue, as it stood when this migration was written.

A frozen copy of ``cases.catalogue`` (a migration must not import live application code: a later edit of
the catalogue would make a fresh database differ from one migrated before it). Only missing rows are
created; a district's edits are never overwritten.
"""

from django.db import migrations

# (code, name, default level, verify required, after-photo required,
#  handling limit normal (amount, unit), handling limit urgent (amount, unit), extra fields)
WH, WD, NH, NM = "working_hours", "working_days", "natural_hours", "natural_minutes"

LAMP_FIELDS = [
    {"code": "lamp_count", "label": "熄灭数量", "datatype": "number", "required": True},
    {"code": "component_id", "label": "部件编号", "datatype": "string", "required": False},
]
COVER_FIELDS = [
    {"code": "component_id", "label": "部件编号", "datatype": "string", "required": False},
    {
        "code": "cover_type",
        "label": "井盖类型",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [
            {"key": "sewage", "name": "污水"},
            {"key": "rain", "name": "雨水"},
            {"key": "power", "name": "电力"},
            {"key": "telecom", "name": "通信"},
            {"key": "other", "name": "其他"},
        ],
    },
]
DISPUTE_FIELDS = [
    {"code": "parties", "label": "涉及人数", "datatype": "number", "required": True},
    {
        "code": "mediated",
        "label": "是否已现场调解",
        "datatype": "singlevaluelist",
        "required": False,
        "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
    },
]
CHARGING_FIELDS = [
    {
        "code": "place",
        "label": "充电位置",
        "datatype": "multivaluelist",
        "required": True,
        "values": [
            {"key": "corridor", "name": "楼道"},
            {"key": "elevator", "name": "电梯"},
            {"key": "home", "name": "室内"},
            {"key": "exit", "name": "安全出口"},
        ],
    },
]
BUILD_FIELDS = [
    {
        "code": "structure",
        "label": "建筑类型",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [
            {"key": "brick", "name": "砖混"},
            {"key": "steel", "name": "钢结构"},
            {"key": "temporary", "name": "临时搭建"},
        ],
    },
    {"code": "area_m2", "label": "面积(平方米)", "datatype": "number", "required": False},
    {"code": "started_on", "label": "发现开工日期", "datatype": "date", "required": False},
]

CATALOGUE = [
    (
        "01",
        "市容环境",
        [
            ("01001", "暴露垃圾", "grid", True, True, (4, WH), (2, WH), []),
            ("01002", "积存垃圾渣土", "community", True, True, (1, WD), (4, WH), []),
            ("01003", "道路不洁", "grid", True, True, (2, WH), (1, WH), []),
            ("01004", "乱涂乱画", "community", True, True, (2, WD), (1, WD), []),
            ("01005", "绿地脏乱", "community", True, True, (1, WD), (4, WH), []),
            ("01006", "露天焚烧", "community", True, True, (2, WH), (30, NM), []),
        ],
    ),
    (
        "02",
        "宣传广告",
        [
            ("02001", "违规张贴小广告", "grid", True, True, (1, WD), (4, WH), []),
            ("02002", "非法户外广告", "street", True, True, (5, WD), (2, WD), []),
            ("02003", "占道广告牌", "community", True, True, (1, WD), (4, WH), []),
        ],
    ),
    (
        "03",
        "施工管理",
        [
            ("03001", "违法建设", "street", True, True, (4, WH), (2, WH), BUILD_FIELDS),
            ("03002", "施工扰民", "street", True, False, (1, WD), (2, WH), []),
            ("03003", "施工占道", "community", True, True, (1, WD), (4, WH), []),
            ("03004", "渣土撒漏", "community", True, True, (4, WH), (2, WH), []),
        ],
    ),
    (
        "04",
        "街面秩序",
        [
            ("04001", "占道经营", "grid", True, True, (2, WH), (1, WH), []),
            ("04002", "店外经营", "grid", True, True, (4, WH), (2, WH), []),
            ("04003", "非机动车乱停放", "grid", False, True, (2, WH), (1, WH), []),
            ("04004", "流动摊贩", "grid", False, False, (2, WH), (1, WH), []),
        ],
    ),
    (
        "05",
        "公用设施部件",
        [
            ("05001", "井盖缺失", "street", True, True, (2, NH), (1, NH), COVER_FIELDS),
            ("05002", "井盖破损", "community", True, True, (1, WD), (2, NH), COVER_FIELDS),
            ("05003", "路灯不亮", "community", True, True, (1, WD), (4, WH), LAMP_FIELDS),
            ("05004", "交通护栏损坏", "community", True, True, (2, WD), (1, WD), []),
            ("05005", "道路破损", "street", True, True, (3, WD), (1, WD), []),
            ("05006", "消防栓损坏", "street", True, True, (1, WD), (4, WH), []),
        ],
    ),
    (
        "06",
        "矛盾纠纷",
        [
            ("06001", "邻里纠纷", "grid", False, False, (3, WD), (1, WD), DISPUTE_FIELDS),
            ("06002", "物业纠纷", "community", False, False, (5, WD), (1, WD), DISPUTE_FIELDS),
            ("06003", "劳资纠纷", "street", False, False, (5, WD), (1, WD), DISPUTE_FIELDS),
            ("06004", "婚姻家庭纠纷", "community", False, False, (3, WD), (4, WH), DISPUTE_FIELDS),
        ],
    ),
    (
        "07",
        "安全隐患",
        [
            ("07001", "高空坠物隐患", "community", True, True, (4, WH), (1, NH), []),
            ("07002", "电动车违规充电", "grid", True, True, (4, WH), (1, NH), CHARGING_FIELDS),
            ("07003", "燃气安全隐患", "street", True, True, (2, NH), (30, NM), []),
            ("07004", "危房险情", "street", True, True, (1, WD), (2, NH), []),
            ("07005", "高空抛物", "community", True, False, (1, WD), (2, WH), []),
        ],
    ),
    (
        "08",
        "消防",
        [
            ("08001", "消防通道堵塞", "grid", True, True, (2, WH), (30, NM), []),
            ("08002", "消防设施缺失损坏", "community", True, True, (2, WD), (1, WD), []),
            ("08003", "火灾隐患", "street", True, True, (4, WH), (1, NH), []),
        ],
    ),
    (
        "09",
        "民生服务",
        [
            ("09001", "水电气服务诉求", "community", False, False, (2, WD), (4, WH), []),
            ("09002", "救助帮扶诉求", "community", False, False, (5, WD), (1, WD), []),
            ("09003", "就业社保咨询", "community", False, False, (5, WD), (2, WD), []),
            ("09004", "养老服务诉求", "community", False, False, (3, WD), (1, WD), []),
        ],
    ),
    (
        "10",
        "特殊人群",
        [
            ("10001", "独居老人异常情况", "community", True, False, (4, WH), (1, NH), []),
            ("10002", "社区矫正人员异常", "street", False, False, (1, WD), (2, NH), []),
            ("10003", "严重精神障碍患者异常", "street", False, False, (4, WH), (1, NH), []),
        ],
    ),
]

FILE_LIMIT = {"urgent": (10, NM), "normal": (30, NM)}
DISPATCH_LIMIT = {"urgent": (10, NM), "normal": (30, NM)}
VERIFY_LIMIT = {"urgent": (1, NH), "normal": (2, WH)}


def load(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    TimeLimit = apps.get_model("cases", "TimeLimit")
    for order, (major_code, major_name, minors) in enumerate(CATALOGUE):
        major, _ = Category.objects.get_or_create(
            code=major_code, defaults={"name": major_name, "sort_order": order}
        )
        for minor_order, (code, name, level, verify, photo, normal, urgent, fields) in enumerate(minors):
            category, was_created = Category.objects.get_or_create(
                code=code,
                defaults=dict(
                    name=name,
                    parent=major,
                    default_level=level,
                    verify_required=verify,
                    after_photo_required=photo,
                    fields=fields,
                    sort_order=minor_order,
                ),
            )
            if not was_created:
                continue
            limits = []
            for urgency, handle in (("normal", normal), ("urgent", urgent)):
                for stage, (amount, unit) in (
                    ("file", FILE_LIMIT[urgency]),
                    ("dispatch", DISPATCH_LIMIT[urgency]),
                    ("handle", handle),
                    ("verify", VERIFY_LIMIT[urgency]),
                ):
                    limits.append(
                        TimeLimit(category=category, urgency=urgency, stage=stage, amount=amount, unit=unit)
                    )
            TimeLimit.objects.bulk_create(limits)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

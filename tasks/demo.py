"""Demo: the district's grid admission list (two versions), category mappings, a few refusals, and a
running campaign (a street's winter gas-safety check of every building) part-way through: grids handed to
workers, forms filled, a finding raised as a case, some grids submitted, accepted or sent back.

Called by ``load_demo`` through ``grids.demo.load_app_demos`` (``DEMO_APPS``) after cases and residents.
Everything goes through ``tasks.services``, as a user's requests would.
"""

import contextlib
import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from cases.models import Category
from grids.models import Area, Department, Level, Membership, Role, User
from worktime.calendar import is_working_day
from worktime.calendar.schedule import LOCAL_TZ

from . import admission, services
from .models import AdmissionItem, Assignment, Target

# (code, name, class, department code or "", basis, grid action, frequency, grid workers may be assigned)
ITEMS = [
    (
        "A01",
        "实有人口信息采集与更新",
        "基础信息采集",
        "GAFJ",
        "《居住证暂行条例》第六条",
        "collect",
        "每季度",
        True,
    ),
    (
        "A02",
        "实有房屋信息采集",
        "基础信息采集",
        "ZJJ",
        "《湖南省房屋使用安全管理条例》",
        "collect",
        "每半年",
        True,
    ),
    (
        "A03",
        "重点场所、沿街店铺信息采集",
        "基础信息采集",
        "SJJ",
        "《市场主体登记管理条例》",
        "collect",
        "每半年",
        True,
    ),
    (
        "A04",
        "出租房屋及承租人信息登记",
        "基础信息采集",
        "GAFJ",
        "《湖南省流动人口服务管理规定》",
        "collect",
        "每月",
        True,
    ),
    ("B01", "邻里、家庭矛盾纠纷排查", "矛盾纠纷排查", "", "《人民调解法》第八条", "patrol", "每周", True),
    ("B02", "物业、房屋租赁纠纷排查", "矛盾纠纷排查", "ZJJ", "《物业管理条例》", "patrol", "每月", True),
    ("B03", "劳资纠纷苗头排查上报", "矛盾纠纷排查", "", "《保障农民工工资支付条例》", "report", "每月", True),
    (
        "C01",
        "消防通道堵塞、电动车违规充电巡查",
        "安全隐患巡查",
        "YJJ",
        "《消防法》第三十二条",
        "patrol",
        "每周",
        True,
    ),
    (
        "C02",
        "燃气使用安全隐患排查",
        "安全隐患巡查",
        "CGJ",
        "《城镇燃气管理条例》第四十一条",
        "patrol",
        "每月",
        True,
    ),
    (
        "C03",
        "危房、自建房安全巡查",
        "安全隐患巡查",
        "ZJJ",
        "《湖南省房屋使用安全管理条例》",
        "patrol",
        "每季度",
        True,
    ),
    ("C04", "防汛隐患点巡查", "安全隐患巡查", "SWJ", "《防洪法》", "patrol", "汛期每日", True),
    (
        "C05",
        "高空坠物、户外广告牌隐患巡查",
        "安全隐患巡查",
        "CGJ",
        "《城市市容和环境卫生管理条例》",
        "patrol",
        "每月",
        True,
    ),
    ("C06", "电力设施安全隐患上报", "安全隐患巡查", "GDGS", "《电力设施保护条例》", "report", "随时", True),
    ("D01", "独居、空巢老人探访", "特殊人群服务", "", "《老年人权益保障法》", "patrol", "每月", True),
    ("D02", "残疾人、困难群众走访", "特殊人群服务", "", "《社会救助暂行办法》", "patrol", "每季度", True),
    ("D03", "社区矫正对象日常走访", "特殊人群服务", "", "《社区矫正法》第二十五条", "assist", "每月", True),
    ("D04", "严重精神障碍患者随访协助", "特殊人群服务", "", "《精神卫生法》", "assist", "每季度", True),
    ("E01", "安全生产、防诈骗宣传", "政策宣传", "YJJ", "《安全生产法》第十三条", "assist", "每季度", True),
    ("E02", "垃圾分类宣传引导", "政策宣传", "CGJ", "《湖南省生活垃圾管理条例》", "assist", "每月", True),
    ("E03", "医保、养老保险参保政策宣传", "政策宣传", "", "《社会保险法》", "assist", "每年", True),
    ("F01", "社保、医保业务代办", "民生服务代办", "", "《湖南省政务服务规定》", "assist", "按需", True),
    ("F02", "老年优待证、高龄补贴代办", "民生服务代办", "", "《老年人权益保障法》", "assist", "按需", True),
    ("F03", "居住证办理代办", "民生服务代办", "GAFJ", "《居住证暂行条例》", "assist", "按需", True),
    (
        "G01",
        "乱堆乱放、暴露垃圾巡查上报",
        "城市管理",
        "CGJ",
        "《城市市容和环境卫生管理条例》",
        "report",
        "每日",
        True,
    ),
    (
        "G02",
        "占道经营、违规广告巡查上报",
        "城市管理",
        "CGJ",
        "《湖南省城市综合管理条例》",
        "report",
        "每日",
        True,
    ),
    ("G03", "市政设施损坏巡查上报", "城市管理", "CGJ", "《城市道路管理条例》", "report", "每日", True),
    ("G04", "违法建设巡查发现", "城市管理", "CGJ", "《城乡规划法》第六十四条", "report", "每周", True),
    ("H01", "河道、水体污染巡查上报", "生态环境", "SHJ", "《水污染防治法》", "report", "每周", True),
    ("H02", "餐饮油烟、噪声扰民上报", "生态环境", "SHJ", "《大气污染防治法》", "report", "随时", True),
    ("J01", "食品经营单位巡查发现", "市场监管", "SJJ", "《食品安全法》", "report", "每月", True),
    ("K01", "突发事件信息报告", "应急管理", "YJJ", "《突发事件应对法》", "report", "随时", True),
    ("K02", "应急避难场所管护协助", "应急管理", "YJJ", "《突发事件应对法》", "assist", "每季度", True),
    # On the list so the district can say it plainly: these are not grid workers' to do.
    ("Z01", "行政执法、强制拆除", "不得指派事项", "CGJ", "须由执法人员实施", "assist", "—", False),
    (
        "Z02",
        "各类报表填报、考核台账整理",
        "不得指派事项",
        "",
        "减负要求：不得以网格名义摊派",
        "report",
        "—",
        False,
    ),
]
# Category major classes (catalogue code prefixes) → the item their cases stand for at a grid.
CATEGORY_ITEMS = {"01": "G01", "02": "G02", "03": "G03", "04": "G04", "05": "G03", "06": "H01", "07": "C01"}

FORM = [
    {
        "code": "hose",
        "label": "燃气软管",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [
            {"key": "ok", "name": "正常"},
            {"key": "old", "name": "老化或超期"},
            {"key": "none", "name": "未用燃气"},
        ],
    },
    {
        "code": "alarm",
        "label": "燃气报警器",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "yes", "name": "已安装"}, {"key": "no", "name": "未安装"}],
    },
    {"code": "households", "label": "检查户数", "datatype": "number", "required": True},
    {"code": "remark", "label": "备注", "datatype": "string"},
]


def _item_rows():
    known = set(Department.objects.values_list("code", flat=True))
    return [
        {
            "code": code,
            "name": name,
            "item_class": klass,
            "department": dept if dept in known else None,
            "basis": basis,
            "grid_action": action,
            "frequency": freq,
            "workers_assignable": ok,
        }
        for code, name, klass, dept, basis, action, freq, ok in ITEMS
    ]


def _working_day(start: dt.date, step: int) -> dt.date:
    day = start
    while not is_working_day(day):
        day += dt.timedelta(days=step)
    return day


def build(*, district: Area, seed: int) -> dict:
    rng = random.Random(seed)
    centre = (
        Membership.objects.filter(role=Role.DISTRICT_CENTRE, area=district, is_active=True)
        .select_related("user")
        .first()
    ).user
    today = timezone.now().astimezone(LOCAL_TZ).date()
    v1_items = [row for row in _item_rows() if row["code"] not in ("C06", "K02")]
    services.admission_list_publish(
        actor=centre,
        version=1,
        title=f"{district.name}网格事项准入清单（试行）",
        approved_by=f"{district.name}人民政府",
        approved_on=dt.date(today.year - 1, 12, 20),
        effective_from=dt.date(today.year, 1, 1),
        items=v1_items,
    )
    services.admission_list_publish(
        actor=centre,
        version=2,
        title=f"{district.name}网格事项准入清单（{today.year}年修订）",
        approved_by=f"{district.name}人民政府",
        approved_on=today - dt.timedelta(days=40),
        effective_from=today - dt.timedelta(days=30),
        items=_item_rows(),
    )
    mapped = 0
    for category in Category.objects.filter(parent__isnull=False, is_active=True):
        code = CATEGORY_ITEMS.get(category.code[:2])
        if code:
            services.category_admit(actor=centre, category=category, item_code=code)
            mapped += 1
    items = {i.code: i for i in AdmissionItem.objects.filter(admission_list__version=2)}
    # Requests the list turned away this month and last: the burden report has rows.
    for title, code in (("报表填报：各网格上报辖区企业用工台账", "Z02"), ("协助拆除违建", "Z01")):
        for _ in range(rng.randint(2, 4)):
            with contextlib.suppress(ValidationError):
                services.task_create(
                    actor=centre,
                    title=title,
                    item=items[code],
                    selection={"subtree": district.code},
                    starts_at=timezone.now(),
                    deadline=timezone.now() + dt.timedelta(days=7),
                )
    street = Area.objects.filter(parent=district, level=Level.STREET, is_active=True).order_by("code").first()
    deadline_day = _working_day(today + dt.timedelta(days=7), 1)
    start_day = _working_day(today - dt.timedelta(days=5), -1)
    task = services.task_create(
        actor=centre,
        title="冬季燃气使用安全专项排查",
        item=items["C02"],
        instructions="逐栋入户检查燃气软管、报警器和通风情况；发现隐患当场拍照，能整改的督促整改，不能整改的一键上报。",
        fields=FORM,
        selection={"subtree": street.code},
        target_kind="building",
        starts_at=dt.datetime.combine(start_day, dt.time(8, 30), LOCAL_TZ),
        deadline=dt.datetime.combine(deadline_day, dt.time(17, 30), LOCAL_TZ),
        department=items["C02"].department,
    )
    return _progress(task, rng, centre)


def _progress(task, rng, centre) -> dict:
    """Walk part of the campaign: most grids started, some submitted, a few accepted or sent back."""
    teams: dict[str, list] = {}
    for user, code, role in Membership.objects.filter(
        role__in=[Role.GRID_LEADER, Role.GRID_WORKER], is_active=True, area__level=Level.GRID
    ).values_list("user", "area__code", "role"):
        teams.setdefault(code, []).append((role, user))
    rubbish = (
        Category.objects.filter(code="07001").first() or Category.objects.filter(parent__isnull=False).first()
    )
    counts = {"filled": 0, "submitted": 0, "accepted": 0, "returned": 0, "findings": 0}
    assignments = list(
        Assignment.objects.filter(task=task)
        .annotate(n=Count("target_rows"))
        .select_related("area")
        .order_by("area__code")
    )
    for a in assignments:
        # The first grid is the demo logins' grid: its worker finds the campaign part-way, forms left to fill.
        first = a is assignments[0]
        team = teams.get(a.area_code, [])
        leader = next((u for r, u in team if r == Role.GRID_LEADER), None)
        workers = [u for r, u in team if r == Role.GRID_WORKER]
        if not leader or not workers or (not first and rng.random() < 0.2):
            continue
        services.assignment_assign(actor=_user(leader), assignment_id=a.pk, workers=workers)
        worker = _user(workers[0])
        targets = list(Target.objects.filter(assignment=a).order_by("id"))
        share = 0.3 if first else rng.choice([0.3, 0.6, 1.0, 1.0])
        for target in targets[: max(1, int(len(targets) * share))] if targets else []:
            hose = rng.choices(["ok", "old", "none"], [80, 8, 12])[0]
            finding = None
            if hose == "old" and rubbish is not None and counts["findings"] < 6:
                finding = {
                    "category": rubbish.pk,
                    "title": f"{target.label}燃气软管老化",
                    "description": "已告知住户更换。",
                }
                counts["findings"] += 1
            services.result_record(
                actor=worker,
                assignment_id=a.pk,
                target_id=target.pk,
                values={"hose": hose, "alarm": rng.choice(["yes", "no"]), "households": rng.randint(6, 24)},
                lat=a.area.centroid_lat,
                lon=a.area.centroid_lon,
                finding=finding,
            )
            counts["filled"] += 1
        a.refresh_from_db()
        if targets and a.targets_done == a.targets_total:
            services.assignment_submit(actor=worker, assignment_id=a.pk)
            counts["submitted"] += 1
            roll = rng.random()
            if roll < 0.5:
                services.assignment_review(actor=centre, assignment_id=a.pk, accept=True)
                counts["accepted"] += 1
            elif roll < 0.6:
                services.assignment_review(
                    actor=centre, assignment_id=a.pk, accept=False, reason="部分楼栋未附照片，请补充。"
                )
                counts["returned"] += 1
    admission.forget()
    return {"grids": len(assignments), **counts}


def _user(pk):
    return User.objects.get(pk=pk)


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    result = build(district=district, seed=seed)
    stdout.write(
        f"Tasks: admission list v2 ({len(ITEMS)} items), a campaign to {result['grids']} grids: "
        f"{result['filled']} forms, {result['submitted']} submitted, {result['accepted']} accepted, "
        f"{result['findings']} findings as cases"
    )

"""The demo's case history, and the benchmark's million-case tables, from one deterministic generator.

``load`` (called by ``load_demo``) writes a few thousand cases over the last months: every category, grid
and source, every status and every side path (return, extension, suspension, rework, void before and
after filing, self-handling, escalation, supervision, reopening, evaluation), each done by the demo user
whose job it is, with its hash-chained events and photos.

Two halves:

* **Plans** (``plan_cases``): for each case a *story* — the report and the list of steps (action, actor,
  time, arguments) the services would be called with. Times run in the working calendar: staff act in
  working hours, handlers finish within (or, sometimes, after) the category's limit. Stories that would run
  past ``now`` stop there, so recent cases are still open.
* **Writing** (``CaseWriter``): instead of calling the services 30,000 times (one transaction, row lock
  and several queries per step), it runs each story's steps through the transition core the services use
  (``cases.transitions``: the API's action table, permissions, conditions, FSM methods, stage clock), chains
  the events with ``cases.events.events_chain`` keeping each case's chain head in memory, and writes the
  rows with ``bulk_create`` (``COPY`` on PostgreSQL), numbers gap-free per (year, street) and the counters
  moved on. ``tests/cases/test_demo.py`` replays the same plans through the services and
  compares every field, event and attachment.

Photos: a handful of generated JPEGs go through ``cases.media.process_image`` once and are stored under
``cases/demo/``; attachment rows point at those files, as the services' rows would point at theirs.
"""

import datetime as dt
import io
import json
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from grids.models import CODE_LENGTH, Area, Level, Membership, Role
from worktime import calendar as working

from . import signals
from .events import events_chain
from .extra_fields import clean_extra
from .media import process_image
from .models import Attachment, Case, CaseEvent, CaseNumberCounter, Category, CloseType, Source
from .transitions import action_request, report_step, request_step
from .workflow import LEVEL_RANK

UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)
LEVELS = list(LEVEL_RANK)

# Sources with their share of reports (patrol most: grid workers find most cases).
SOURCES = [
    (Source.PATROL, 46),
    (Source.CITIZEN, 14),
    (Source.HOTLINE, 12),
    (Source.SELF_HANDLED, 12),
    (Source.SENSOR, 5),
    (Source.VISIT, 8),
    (Source.LEADER, 3),
]
# Which categories each source tends to report (major-class codes; None: any).
SOURCE_MAJORS = {
    Source.SENSOR: ("05", "07", "08"),
    Source.VISIT: ("06", "07", "09", "10"),
    Source.SELF_HANDLED: ("01", "02", "04", "06", "08"),
}
# Handling departments by category (demo department codes, then the test tree's "CG"); a category
# without one is handled by the grid team (grid level) or the community team.
DEPARTMENTS_FOR = {
    "01": ("CGJ", "SHJ", "CG"),
    "02": ("CGJ", "CG"),
    "03": ("ZJJ", "CGJ", "CG"),
    "04": ("CGJ", "SJJ", "CG"),
    "05001": ("SWJ", "CG"),
    "05002": ("SWJ", "CG"),
    "05003": ("GDGS", "CG"),
    "05004": ("CGJ", "CG"),
    "05005": ("ZJJ", "CG"),
    "05006": ("YJJ", "CG"),
    "07003": ("YJJ", "CG"),
    "07004": ("ZJJ", "CG"),
    "08": ("YJJ", "CG"),
    "09001": ("GDGS", "SWJ"),
    "10002": ("GAFJ",),
    "10003": ("GAFJ",),
}
TITLES = {
    "01": ["{place}路边{what}", "{place}门口{what}", "{what}（{place}）"],
    "02": ["{place}{what}", "{place}电线杆上{what}"],
    "03": ["{place}{what}", "{place}附近{what}"],
    "04": ["{place}{what}", "{place}人行道{what}"],
    "05": ["{place}{what}", "{place}路口{what}"],
    "06": ["{place}{what}", "{place}居民反映{what}"],
    "07": ["{place}{what}", "{place}发现{what}"],
    "08": ["{place}{what}", "{place}楼道{what}"],
    "09": ["{place}居民{what}", "{place}{what}"],
    "10": ["{place}{what}", "走访发现{place}{what}"],
}
ROADS = [
    "枫林路",
    "桐梓坡路",
    "银盆岭路",
    "望月湖路",
    "岳麓大道",
    "潇湘中路",
    "麓山南路",
    "金星路",
    "含光路",
    "白鹭巷",
    "杏花巷",
    "学堂坡",
]
RESULTS = [
    "已现场处置完毕，恢复正常。",
    "已安排人员清理，现场整洁。",
    "已约谈当事人并整改到位。",
    "已更换损坏部件，运行正常。",
    "已联系相关单位处理完成。",
    "已调解，双方达成一致。",
]
NOTES_FAIL = ["现场复核未整改到位，请返工。", "仍有残留，需重新处理。", "整改不彻底，群众仍有反映。"]
VOID_BEFORE = ["重复上报，已有同一事项在办。", "经核实不属于受理范围。", "信息不全且无法联系上报人。"]
VOID_AFTER = ["经区中心核实为误报，予以作废。", "与已办结案件重复，作废处理。"]
RETURNS = ["不属于本单位职责，请重新派遣。", "地址不在本单位管辖范围。"]
SUSPENDS = [
    "需结合季节性施工统一处置，暂缓办理。",
    "涉及工程改造，需立项后实施。",
    "当事人外出，待返回后处理。",
]
EXTENSIONS = ["需协调多个部门联合处置。", "配件采购周期较长。", "需等待天气好转后施工。"]
ESCALATES = ["涉及多个部门，社区无法协调，提请街道处置。", "问题复杂，提请上级协调。"]
REOPENS = ["群众回访不满意，问题反复出现，重新办理。", "复查发现问题未根本解决。"]
SATISFACTION = [("satisfied", 72), ("basically_satisfied", 20), ("dissatisfied", 8)]


def _weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


# --- Who and where -------------------------------------------------------------------------------


@dataclass
class Team:
    grid: Area
    places: list  # the grid and its micro-grids: where a case can lie
    members: list  # grid workers and leaders
    workers: list  # grid workers (patrol, visits); the leader when there are none
    community: Area


@dataclass
class Cast:
    teams: list
    categories: list
    staff: dict  # (role, area code) → [users]
    centre: list
    departments: dict  # code → (Department, [handlers])
    communities: dict  # code → Area

    def unit(self, rng, team, level):
        """A staff member of the unit that files, dispatches and closes a case of ``level`` in ``team``."""
        code = team.grid.code
        ladder = [
            (Role.COMMUNITY_STAFF, code[: CODE_LENGTH[Level.COMMUNITY]]),
            (Role.STREET_STAFF, code[: CODE_LENGTH[Level.STREET]]),
        ]
        for role, area_code in ladder[max(0, LEVEL_RANK[level] - 1) :]:
            if self.staff.get((role, area_code)):
                return rng.choice(self.staff[(role, area_code)])
        return rng.choice(self.centre)

    def community_staff(self, team):
        return self.staff.get((Role.COMMUNITY_STAFF, team.community.code), [])


def cast_for(district) -> Cast:
    """The district's people and places, read once: every plan draws its actors from here."""
    areas = {a.pk: a for a in Area.objects.filter(code__startswith=district.code, is_active=True)}
    users, staff, members, workers, departments = {}, {}, {}, {}, {}
    rows = (
        Membership.objects.filter(is_active=True, user__is_active=True)
        .select_related("user", "department")
        .order_by("user_id", "id")
    )
    for m in rows:
        user = users.setdefault(m.user_id, m.user)
        area = areas.get(m.area_id)
        if m.role == Role.DEPARTMENT_HANDLER and m.department_id:
            departments.setdefault(m.department.code, (m.department, []))[1].append(user)
        elif area is None:
            continue
        elif m.role in (Role.GRID_WORKER, Role.GRID_LEADER) and area.level == Level.GRID:
            members.setdefault(area.pk, []).append(user)
            if m.role == Role.GRID_WORKER:
                workers.setdefault(area.pk, []).append(user)
        else:
            staff.setdefault((m.role, area.code), []).append(user)
    centre = staff.get((Role.DISTRICT_CENTRE, district.code), [])
    children = {}
    for a in areas.values():
        children.setdefault(a.parent_id, []).append(a)
    teams = []
    for grid in sorted((a for a in areas.values() if a.level == Level.GRID), key=lambda a: a.code):
        if grid.pk not in members or not centre:
            continue  # nobody to report or verify here
        places = [grid] + sorted(children.get(grid.pk, []), key=lambda a: a.code)
        teams.append(
            Team(
                grid,
                places,
                members[grid.pk],
                workers.get(grid.pk) or members[grid.pk],
                areas[grid.parent_id],
            )
        )
    categories = list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .prefetch_related("limits")
        .order_by("code")
    )
    departments = {code: value for code, value in departments.items() if value[0].is_active}
    communities = {a.code: a for a in areas.values() if a.level == Level.COMMUNITY}
    return Cast(teams, categories, staff, centre, departments, communities)


# --- Photos --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockPhoto:
    raw: bytes  # what a phone uploads
    name: str  # the stored, re-encoded file
    thumbnail: str
    size: int
    sha256: str
    width: int
    height: int


def stock_photos(seed: int, count: int = 6) -> dict:
    """{"before": [...], "after": [...]}: small distinct street scenes, processed and stored once."""
    rng = random.Random(seed)
    stock = {}
    for kind, palette in (
        ("before", [(120, 110, 95), (140, 90, 60), (90, 100, 80)]),
        ("after", [(180, 190, 200), (160, 200, 170), (200, 200, 185)]),
    ):
        stock[kind] = [_stock_photo(rng, palette) for _ in range(count)]
    return stock


def _stock_photo(rng, palette) -> StockPhoto:
    image = Image.new("RGB", (480, 360), (135 + rng.randrange(60), 180 + rng.randrange(50), 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 200 + rng.randrange(40), 480, 360], fill=rng.choice(palette))
    for _ in range(4):  # buildings
        x = rng.randrange(0, 420)
        draw.rectangle(
            [x, 60 + rng.randrange(100), x + 40 + rng.randrange(60), 230],
            fill=tuple(rng.randrange(80, 220) for _ in range(3)),
        )
    for _ in range(rng.randint(3, 9)):  # the matter: heaps, signs, cones
        x, y = rng.randrange(20, 440), rng.randrange(230, 330)
        draw.ellipse(
            [x, y, x + rng.randrange(15, 60), y + rng.randrange(10, 35)],
            fill=tuple(rng.randrange(0, 256) for _ in range(3)),
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    raw = buffer.getvalue()
    processed = process_image(raw)
    name = f"cases/demo/{processed.sha256[:2]}/{processed.sha256}.jpg"
    thumbnail = name.removesuffix(".jpg") + ".thumb.jpg"
    for path, content in ((name, processed.content), (thumbnail, processed.thumbnail)):
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(content))
    return StockPhoto(
        raw, name, thumbnail, len(processed.content), processed.sha256, processed.width, processed.height
    )


# --- Plans ---------------------------------------------------------------------------------------


@dataclass
class Step:
    action: str  # "report", then the API's action names (``cases.transitions.ACTIONS``)
    actor: object
    at: dt.datetime
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    team: Team
    area: Area
    category: Category
    report: dict  # case_report's keyword arguments (besides actor, area, category, at)
    steps: list  # steps[0] is the report


@dataclass
class Fate:
    """What happens to one case; stories stop early at ``stop_after`` or at ``now``."""

    source: str = Source.PATROL
    void_before_file: bool = False
    self_handle_fails: bool = False
    escalate: bool = False
    supervise: bool = False
    returned: bool = False
    suspend: str = ""  # "", "resumed", "held"
    extension: str = ""  # "", "approved", "rejected"
    rework: int = 0
    late: bool = False
    void_after_file: bool = False
    satisfaction: str = ""
    reopen: bool = False
    stop_after: str = ""


# One of each state and side path, so even a small demo shows every one.
FORCED = [
    Fate(stop_after="report"),
    Fate(source=Source.SELF_HANDLED, stop_after="report"),
    Fate(source=Source.SELF_HANDLED, satisfaction="satisfied"),
    Fate(source=Source.SELF_HANDLED, self_handle_fails=True),
    Fate(source=Source.CITIZEN, void_before_file=True),
    Fate(void_after_file=True),
    Fate(stop_after="file"),
    Fate(stop_after="dispatch"),
    Fate(stop_after="accept"),
    Fate(stop_after="feedback"),
    Fate(stop_after="verify"),
    Fate(),
    Fate(source=Source.HOTLINE, satisfaction="basically_satisfied"),
    Fate(suspend="held"),
    Fate(suspend="resumed", satisfaction="satisfied"),
    Fate(returned=True),
    Fate(extension="approved"),
    Fate(extension="rejected", late=True),
    Fate(rework=1),
    Fate(rework=2, late=True),
    Fate(escalate=True),
    Fate(supervise=True, stop_after="accept"),
    Fate(supervise=True, satisfaction="satisfied"),
    Fate(source=Source.CITIZEN, satisfaction="dissatisfied", reopen=True),
    Fate(source=Source.SENSOR),
    Fate(source=Source.VISIT, satisfaction="satisfied"),
    Fate(source=Source.LEADER, escalate=True, supervise=True),
    Fate(extension="approved", stop_after="request-extension"),
    Fate(stop_after="return", returned=True),
]


def random_fate(rng) -> Fate:
    source = _weighted(rng, SOURCES)
    public = source in (Source.CITIZEN, Source.HOTLINE, Source.SENSOR)
    fate = Fate(source=source)
    fate.void_before_file = rng.random() < (0.08 if public else 0.02)
    fate.self_handle_fails = rng.random() < 0.06
    fate.escalate = rng.random() < 0.04
    fate.supervise = rng.random() < 0.04
    fate.returned = rng.random() < 0.06
    fate.suspend = _weighted(rng, [("", 96), ("resumed", 3), ("held", 1)])
    fate.extension = _weighted(rng, [("", 92), ("approved", 6), ("rejected", 2)])
    fate.rework = _weighted(rng, [(0, 90), (1, 8), (2, 2)])
    fate.late = rng.random() < 0.12
    fate.void_after_file = rng.random() < 0.015
    if rng.random() < 0.6:
        fate.satisfaction = _weighted(rng, SATISFACTION)
        fate.reopen = fate.satisfaction == "dissatisfied" and rng.random() < 0.5
    if rng.random() < 0.03:  # the backlog: stuck somewhere, now overdue
        fate.stop_after = rng.choice(["report", "file", "dispatch", "accept", "feedback"])
    return fate


class Story:
    """Writes one case's steps, moving a clock through the working calendar."""

    def __init__(self, cast, rng, team, category, fate, reported_at):
        self.cast, self.rng, self.team, self.category, self.fate = cast, rng, team, category, fate
        self.area = rng.choice(team.places)
        self.urgency = "urgent" if rng.random() < 0.12 else "normal"
        self.level = category.default_level
        self.t = reported_at
        self.steps = []

    # time
    def later(self, hours_lo, hours_hi, base=None):
        """A staff moment: some working hours after ``base`` (default: the last step)."""
        hours = Decimal(str(round(self.rng.uniform(hours_lo, hours_hi), 3)))
        return working.add_working_time(base or self.t, hours, working.WORKING_HOURS, self.area)

    def within(self, stage, lo, hi, base=None):
        """A moment at ``lo``–``hi`` of the stage's limit after ``base``."""
        amount, unit = self.category.limit_for(self.urgency, stage) or (Decimal(1), working.WORKING_DAYS)
        share = Decimal(str(round(self.rng.uniform(lo, hi), 3)))
        return working.add_working_time(base or self.t, amount * share, unit, self.area)

    def add(self, action, actor, at, **args):
        at = max(at, self.t + SECOND) + dt.timedelta(seconds=self.rng.randrange(60))
        self.steps.append(Step(action, actor, at, args))
        self.t = at
        return at

    # people
    def unit(self):
        return self.cast.unit(self.rng, self.team, self.level)

    def centre(self):
        return self.rng.choice(self.cast.centre)

    def handler_unit(self, exclude=None):
        """(department or None, team area or None, handlers) for this category."""
        code = self.category.code
        for dep_code in DEPARTMENTS_FOR.get(code, DEPARTMENTS_FOR.get(code[:2], ())):
            if dep_code in self.cast.departments and dep_code != exclude:
                department, handlers = self.cast.departments[dep_code]
                return department, None, handlers
        staff = self.cast.community_staff(self.team)
        if self.level == "grid" or not staff or exclude == "community":
            return None, self.team.grid, self.team.members
        return None, self.team.community, staff

    def verifier(self, handled_by):
        others = [u for u in self.team.members if u is not handled_by]
        return self.rng.choice(others) if others else self.unit()

    def photos(self, kind, lo=1, hi=2):
        return [(kind, self.rng.randrange(6)) for _ in range(self.rng.randint(lo, hi))]

    # the story
    def write(self, report_args, reporter):
        fate, rng = self.fate, self.rng
        self_handled = fate.source == Source.SELF_HANDLED
        args = {
            "before_photos": self.photos("before", 0 if fate.source in (Source.HOTLINE, Source.SENSOR) else 1)
        }
        if self_handled:
            args.update(self_handled_result=rng.choice(RESULTS), after_photos=self.photos("after"))
        self.add("report", reporter, self.t, **args)
        if self_handled:
            verifier = self.verifier(reporter)
            self.add(
                "verify-fail" if fate.self_handle_fails else "verify-pass",
                verifier,
                self.later(0.3, 3),
                note=rng.choice(NOTES_FAIL) if fate.self_handle_fails else "现场复核，已处置到位。",
            )
            if not fate.self_handle_fails:
                return self.close_and_evaluate(late=False)
        else:
            if fate.void_before_file:
                self.add("void", self.unit(), self.later(0.05, 0.4), reason=rng.choice(VOID_BEFORE))
                return
            self.add("file", self.unit(), self.later(0.6, 2) if fate.late else self.later(0.02, 0.4))
        if fate.escalate and self.level != "district":
            self.add("escalate", self.unit(), self.later(0.1, 1), comment=rng.choice(ESCALATES))
            self.level = LEVELS[LEVELS.index(self.level) + 1]
        if fate.supervise:
            self.add("supervise", self.centre(), self.later(0.2, 4), comment="区中心督办：请加快办理。")
        if fate.void_after_file:
            self.add("void", self.centre(), self.later(0.5, 8), reason=rng.choice(VOID_AFTER))
            return
        self.handle(reopened=False)

    def handle(self, reopened):
        fate, rng = self.fate, self.rng
        department, team, handlers = self.handler_unit()
        self.add(
            "dispatch",
            self.unit(),
            self.later(0.6, 2) if fate.late else self.later(0.02, 0.4),
            department=department,
            team=team,
            comment="",
        )
        dispatched_at = self.t
        if fate.returned and not reopened:
            self.add("return", rng.choice(handlers), self.later(0.2, 3), reason=rng.choice(RETURNS))
            exclude = department.code if department else "community"
            department, team, handlers = self.handler_unit(exclude=exclude)
            self.add(
                "dispatch", self.unit(), self.later(0.05, 0.5), department=department, team=team, comment=""
            )
            dispatched_at = self.t
        handler = rng.choice(handlers)
        self.add("accept", handler, self.later(0.05, 1.5))
        if fate.suspend and not reopened:
            self.add("suspend", self.unit(), self.later(0.3, 5), reason=rng.choice(SUSPENDS))
            if fate.suspend == "held":
                return
            self.add("resume", self.unit(), self.later(7 * 5, 7 * 25), comment="条件具备，恢复办理。")
            dispatched_at = self.t
        deadline = self.within("handle", 1, 1, base=dispatched_at)
        if fate.extension and not reopened:
            amount = Decimal(rng.choice(["1.00", "2.00", "3.00"]))
            self.add(
                "request-extension",
                handler,
                self.within("handle", 0.4, 0.7, base=dispatched_at),
                amount=amount,
                unit=working.WORKING_DAYS,
                reason=rng.choice(EXTENSIONS),
            )
            approve = fate.extension == "approved"
            self.add(
                "approve-extension" if approve else "reject-extension",
                self.unit(),
                self.later(0.1, 2),
                comment="同意延期。" if approve else "不同意延期，请按期办结。",
            )
            if approve:
                deadline = working.add_working_time(deadline, amount, working.WORKING_DAYS, self.area)
        share = (1.05, 2.0) if fate.late else (0.15, 0.95)
        finish = max(self.within("handle", *share, base=dispatched_at), self.t)
        if fate.extension == "approved" and not fate.late and not reopened:
            finish = max(
                finish, working.add_working_time(self.t, Decimal("0.5"), working.WORKING_HOURS, self.area)
            )
        needs_photo = self.category.after_photo_required
        self.add(
            "feedback",
            handler,
            finish,
            result=rng.choice(RESULTS),
            photos=self.photos("after") if needs_photo or rng.random() < 0.6 else [],
        )
        for _ in range(fate.rework if not reopened else 0):
            self.add(
                "verify-fail",
                self.verifier(handler),
                self.within("verify", 0.2, 0.9),
                note=rng.choice(NOTES_FAIL),
                photos=self.photos("before", 1, 1),
            )
            self.add(
                "feedback",
                handler,
                self.within("handle", 0.1, 0.5),
                result="返工完成：" + rng.choice(RESULTS),
                photos=self.photos("after"),
            )
        self.close_and_evaluate(late=self.t > deadline, handler=handler, reopened=reopened)

    def close_and_evaluate(self, late, handler=None, reopened=False):
        fate, rng = self.fate, self.rng
        verified = self.steps[-1].action.startswith("verify")
        # The coin is tossed whenever the category does not require a check, so a seed keeps its plans.
        if (self.category.verify_required or rng.random() < 0.5) and not verified:
            self.add(
                "verify-pass",
                self.verifier(handler),
                self.within("verify", 0.1, 0.9),
                note="现场复核，已处置到位。",
                photos=self.photos("after", 0, 1),
            )
        close_type = (
            CloseType.OVERDUE
            if late
            else (CloseType.SPECIAL if fate.suspend == "resumed" and rng.random() < 0.5 else CloseType.NORMAL)
        )
        self.add("close", self.unit(), self.later(0.05, 2.5), close_type=close_type, comment="")
        if not fate.satisfaction:
            return
        satisfaction = "satisfied" if reopened else fate.satisfaction
        evaluator = self.centre() if fate.source == Source.HOTLINE else self.unit()
        self.add(
            "evaluate",
            evaluator,
            self.later(3, 20),
            satisfaction=satisfaction,
            comment="电话回访。",
            channel="phone",
        )
        if fate.reopen and not reopened:
            self.add("reopen", self.centre(), self.later(3, 30), reason=rng.choice(REOPENS))
            self.handle(reopened=True)


def _extra_answers(rng, category) -> dict:
    answers = {}
    for spec in category.fields or []:
        kind = spec.get("datatype")
        if kind == "number":
            answers[spec["code"]] = rng.randint(1, 5)
        elif kind == "singlevaluelist":
            answers[spec["code"]] = rng.choice(spec["values"])["key"]
        elif kind == "multivaluelist":
            answers[spec["code"]] = sorted({rng.choice(spec["values"])["key"] for _ in range(2)})
        elif kind == "date":
            answers[spec["code"]] = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        elif spec.get("required") or rng.random() < 0.5:
            answers[spec["code"]] = f"J-{rng.randrange(10_000):04d}"
    cleaned, errors = clean_extra(category, answers)
    assert not errors, errors
    return cleaned


def _reporter(cast, rng, team, source):
    if source in (Source.PATROL, Source.SELF_HANDLED, Source.VISIT):
        return rng.choice(team.workers), "", ""
    caller = f"{rng.choice('王李张刘陈杨黄赵吴周')}{'先生女士'[rng.randrange(2) * 2 :][:2]}"
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    if source == Source.CITIZEN:
        return None, caller, phone
    if source == Source.SENSOR:
        return None, f"物联感知设备 IOT-{rng.randrange(10**5):05d}", ""
    return rng.choice(cast.centre), caller, phone  # hotline operator, or a leader's instruction


def _report_time(at, source, area, now):
    if source in (Source.PATROL, Source.SELF_HANDLED, Source.VISIT, Source.LEADER):
        on_duty = working.next_working_moment(at, area)  # grid workers report on duty
        if on_duty < now - dt.timedelta(minutes=2):
            return on_duty
    return at


def _is(action, stop):
    return action == stop or action.startswith(stop + "-")  # "verify": verify-pass or verify-fail


def plan_case(cast, rng, fate, reported_at, now) -> Plan:
    team = rng.choice(cast.teams)
    majors = SOURCE_MAJORS.get(fate.source)
    categories = [c for c in cast.categories if majors is None or c.parent.code in majors] or cast.categories
    category = rng.choice(categories)
    story = Story(cast, rng, team, category, fate, _report_time(reported_at, fate.source, team.grid, now))
    reporter, name, phone = _reporter(cast, rng, team, fate.source)
    what = category.name
    place = story.area.name if story.area.level == Level.MICROGRID else team.community.name
    report = dict(
        title=rng.choice(TITLES.get(category.parent.code, ["{place}{what}"])).format(place=place, what=what)[
            :120
        ],
        description=f"{team.community.name}{team.grid.name}发现{what}，请尽快处置。",
        urgency=story.urgency,
        lat=round(story.area.centroid_lat + rng.uniform(-0.0003, 0.0003), 6)
        if story.area.centroid_lat
        else None,
        lon=round(story.area.centroid_lon + rng.uniform(-0.0003, 0.0003), 6)
        if story.area.centroid_lon
        else None,
        address=f"{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        source=fate.source,
        extra=_extra_answers(rng, category),
        reporter_name=name,
        reporter_phone=phone,
        level="",
    )
    story.write(report, reporter)
    if fate.stop_after:
        stop = next((k for k, s in enumerate(story.steps) if _is(s.action, fate.stop_after)), None)
        if stop is not None:
            story.steps = story.steps[: stop + 1]
    return Plan(team, story.area, category, report, story.steps)


def plan_cases(cast, *, seed, count, now, months=6, forced=True):
    """Yield ``count`` plans in order of report time, each cut at ``now``."""
    rng = random.Random(seed)
    span = int(months * 30.44 * 86400)
    start = now - dt.timedelta(seconds=span)
    times = sorted(rng.randrange(span - 120) for _ in range(count))
    # Forced fates first (so every path exists), placed among the older reports so they can finish.
    fates = FORCED[:count] if forced else []
    spread = count >= 3 * len(fates)
    forced_slots = {
        (k * count * 6 // (10 * len(fates)) if spread else k): fate for k, fate in enumerate(fates)
    }
    for k, offset in enumerate(times):
        fate = forced_slots.get(k) or random_fate(rng)
        plan = plan_case(cast, rng, fate, start + dt.timedelta(seconds=offset), now)
        plan.steps = [s for s in plan.steps if s.at <= now]
        yield plan


# --- Writing -------------------------------------------------------------------------------------


class CaseWriter:
    """Replays plans through the transition core (``cases.transitions``) in memory, keeping each case's
    chain head itself, and writes the rows in bulk: what the services would write, without a query a step."""

    def __init__(self, photos):
        self.photos = photos
        self.ids = {
            model: (model.objects.aggregate(m=Max("id"))["m"] or 0) for model in (Case, CaseEvent, Attachment)
        }
        self.counters = {(c.year, c.area_code): c for c in CaseNumberCounter.objects.all()}
        self.heads = {}  # case id → (seq, hash) of its last event
        self.cases, self.events, self.attachments = [], [], []
        self.written = {"cases": 0, "events": 0, "attachments": 0}

    def _next(self, model):
        self.ids[model] += 1
        return self.ids[model]

    def _number(self, at, area_code):
        year, street = timezone.localtime(at).year, area_code[: CODE_LENGTH[Level.STREET]]
        counter = self.counters.get((year, street))
        if counter is None:
            counter = self.counters[(year, street)] = CaseNumberCounter(year=year, area_code=street, last=0)
        counter.last += 1
        return f"{year}{street}{counter.last:06d}"

    def replay(self, plan) -> Case:
        report, *steps = plan.steps
        case = self._report(plan, report)
        for step in steps:
            arguments = dict(step.args)
            refs = arguments.pop("photos", ())
            request = action_request(step.action, case, **arguments)
            attached = self._attach(case, step.actor, refs, request.photo_kind, step.at)
            change = request_step(case, step.actor, request, at=step.at, photo_ids=[a.pk for a in attached])
            self._event(change.event, attached)
        case.updated_at = plan.steps[-1].at
        # The case row carries its chain's head, written in the same bulk insert as its events.
        case.last_event_seq, case.last_event_hash = self.heads[case.pk]
        self.cases.append(case)
        return case

    def _event(self, draft, attached=()):
        (event,) = events_chain([draft], self.heads)
        event.id = self._next(CaseEvent)
        self.events.append(event)
        for a in attached:
            a.event_id = event.pk

    def _attach(self, case, actor, refs, kind, at):
        attached = []
        for photo_kind, index in refs:
            photo = self.photos[photo_kind][index]
            attached.append(
                Attachment(
                    id=self._next(Attachment),
                    case_id=case.pk,
                    kind=kind,
                    file=photo.name,
                    thumbnail=photo.thumbnail,
                    original_name="photo.jpg",
                    mime="image/jpeg",
                    size=photo.size,
                    sha256=photo.sha256,
                    width=photo.width,
                    height=photo.height,
                    uploaded_by_id=getattr(actor, "pk", None),
                    created_at=at,
                )
            )
        self.attachments += attached
        return attached

    def _report(self, plan, step):
        """``services.case_report`` for a plan's first step (place and answers are checked already)."""
        r, actor, at = plan.report, step.actor, step.at
        case = Case(
            id=self._next(Case),
            number=self._number(at, plan.area.code),
            title=r["title"].strip(),
            description=r["description"],
            category=plan.category,
            extra=r["extra"],
            urgency=r["urgency"],
            level=r["level"] or plan.category.default_level,
            source=r["source"],
            reporter=actor,
            reporter_name=r["reporter_name"],
            reporter_phone=r["reporter_phone"],
            lat=r["lat"],
            lon=r["lon"],
            address=r["address"],
            area=plan.area,
            area_code=plan.area.code,
            reported_at=at,
            created_at=at,
        )
        before = self._attach(case, actor, step.args.get("before_photos", ()), "before", at)
        self._event(report_step(case, actor, at).event, before)
        if step.args.get("self_handled_result"):
            after = self._attach(case, actor, step.args.get("after_photos", ()), "after", at)
            photos = [a.pk for a in after]
            request = action_request(
                "self-handle", case, result=step.args["self_handled_result"], photos=photos
            )
            self._event(request_step(case, actor, request, at=at).event, after)
        return case

    # the rows
    def flush(self):
        """Insert what has been replayed so far (cases, then events, then attachments)."""
        with _historic_timestamps():
            if connection.vendor == "postgresql":
                for model, rows in (
                    (Case, self.cases),
                    (CaseEvent, self.events),
                    (Attachment, self.attachments),
                ):
                    _copy(model, rows)
            else:
                Case.objects.bulk_create(self.cases, batch_size=500)
                CaseEvent.objects.bulk_create(self.events, batch_size=1000)
                Attachment.objects.bulk_create(self.attachments, batch_size=1000)
        self.written["cases"] += len(self.cases)
        self.written["events"] += len(self.events)
        self.written["attachments"] += len(self.attachments)
        self.cases, self.events, self.attachments = [], [], []

    def finish(self):
        self.flush()
        new = [c for c in self.counters.values() if c.pk is None]
        CaseNumberCounter.objects.bulk_create(new)
        CaseNumberCounter.objects.bulk_update(
            [c for c in self.counters.values() if c not in new], ["last"], batch_size=500
        )
        # Rows went in with their ids: move the sequences past them (PostgreSQL).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, Attachment]):
                cursor.execute(sql)


@contextmanager
def _historic_timestamps():
    """Let the rows keep their story's times instead of the auto_now stamp of this moment."""
    fields = [
        Case._meta.get_field("created_at"),
        Case._meta.get_field("updated_at"),
        Attachment._meta.get_field("created_at"),
    ]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _copy(model, rows):
    """COPY rows into the model's table: several times faster than INSERT for the million-row tables."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated]  # the database computes those
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in rows:
            copy.write_row([_copy_value(f, obj) for f in fields])


def _copy_value(f, obj):
    value = getattr(obj, f.attname)
    if value is None:
        return None
    kind = f.get_internal_type()
    if kind == "JSONField":
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if kind == "FileField":
        return str(value)
    return value


# --- The entry point -----------------------------------------------------------------------------


def build(*, district, seed=2024, cases=3000, months=6, now=None, batch=2000, forced=True) -> dict:
    """Write ``cases`` cases for ``district``; returns counts and timings."""
    started = time.monotonic()
    now = now or timezone.now().replace(microsecond=0)
    cast = cast_for(district)
    if not cast.teams or not cast.categories:
        return {"cases": 0, "events": 0, "attachments": 0, "seconds": 0.0}
    photos = stock_photos(seed)
    statuses = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # ids are handed out here: keep other writers out meanwhile
                cursor.execute("LOCK TABLE cases_case, cases_caseevent, cases_attachment IN EXCLUSIVE MODE")
        writer = CaseWriter(photos)
        for plan in plan_cases(cast, seed=seed, count=cases, now=now, months=months, forced=forced):
            case = writer.replay(plan)
            statuses[case.status] = statuses.get(case.status, 0) + 1
            if len(writer.cases) >= batch:
                writer.flush()
        writer.finish()
    return {**writer.written, "statuses": statuses, "seconds": time.monotonic() - started}


def load(*, district, seed, stdout, cases=3000, months=6, **options):
    """``load_demo``'s hook: the demo district's case history."""
    result = build(district=district, seed=seed, cases=cases, months=months)
    # The backlog's deadlines passed while nobody ran the sweep: dispatch runs it now (a receiver of this
    # signal), so the pages count those cases overdue (and escalated) from the first request.
    said = [phrase for _receiver, phrase in signals.demo_history_loaded.send(sender=Case, district=district)]
    stdout.write(
        "; ".join(
            [
                f"Cases: {result['cases']} cases, {result['events']} events, {result['attachments']} photos "
                f"over {months} months in {result['seconds']:.1f}s",
                *[phrase for phrase in said if phrase],
            ]
        )
    )

"""The demo's case history, and the benchmark's million-case tables, from one deterministic generator.

``load`` (called by ``load_demo``) writes a few thousand cases over the last months: every category, grid
and source, every status and every side path (return, extension, suspension, rework, void before and
after filing, self-handling, escalation, supervision, reopening, evaluation), each step done by the demo
user whose job it is, with its hash-chained events and photos.

* **Stories are data.** ``LINES`` names each step a story can take: the action (``cases.transitions.ACTIONS``,
  the API's names), who acts, when (working hours after the last step, or a share of a stage's time
  limit) and its inputs. ``script`` turns a case's ``Fate`` (which side paths it takes) into a list of
  those names, and ``plan_case`` runs it on the working calendar into ``Step``\\ s; a story that would run
  past ``now`` stops there, so recent cases are still open.
* **One loop writes them.** ``CaseWriter.replay`` runs each step through the transition core the services
  use (``report_step``, ``action_request``, ``request_step``: permissions, conditions, FSM methods, stage
  clock) on cases held in memory, chains the events with ``cases.events.events_chain`` and writes the rows
  with ``gridgov.bulk.rows_insert`` (``COPY`` on PostgreSQL). ``tests/cases/test_demo.py`` replays the
  same plans through the services and compares every field, event and attachment.

Photos: a dozen generated JPEGs go through ``cases.media.process_image`` once and are stored under
``cases/demo/``; every attachment row points at one of them (the file sweep keeps a file any row names).
"""

import datetime as dt
import io
import random
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from gridgov.bulk import rows_insert, sequences_reset
from grids.models import CODE_LENGTH, Area, Level, Membership, Role
from grids.scope import reaches_prime
from worktime import calendar as working

from . import signals
from .events import events_chain
from .extra_fields import clean_extra
from .media import process_image
from .models import Attachment, Case, CaseEvent, CaseNumberCounter, Category, CloseType, Source
from .transitions import action_request, report_step, request_step
from .workflow import LEVEL_RANK

SECOND = dt.timedelta(seconds=1)
LEVELS = list(LEVEL_RANK)

# Sources with their share of reports (patrol most: grid workers find most cases), and the categories
# (major-class codes) some of them tend to report.
SOURCES = [(Source.PATROL, 46), (Source.CITIZEN, 14), (Source.HOTLINE, 12), (Source.SELF_HANDLED, 12)]
SOURCES += [(Source.SENSOR, 5), (Source.VISIT, 8), (Source.LEADER, 3)]
SOURCE_MAJORS = {
    Source.SENSOR: ("05", "07", "08"),
    Source.VISIT: ("06", "07", "09", "10"),
    Source.SELF_HANDLED: ("01", "02", "04", "06", "08"),
}
# Handling departments by category (demo department codes, then the test tree's "CG"); a category
# without one is handled by the grid team (grid level) or the community team.
DEPARTMENTS_FOR = {"01": "CGJ SHJ CG", "02": "CGJ CG", "03": "ZJJ CGJ CG", "04": "CGJ SJJ CG"}
DEPARTMENTS_FOR |= {"05001": "SWJ CG", "05002": "SWJ CG", "05003": "GDGS CG", "05004": "CGJ CG"}
DEPARTMENTS_FOR |= {"05005": "ZJJ CG", "05006": "YJJ CG", "07003": "YJJ CG", "07004": "ZJJ CG"}
DEPARTMENTS_FOR |= {"08": "YJJ CG", "09001": "GDGS SWJ", "10002": "GAFJ", "10003": "GAFJ"}
TITLES = {"01": "{place}路边{what}|{place}门口{what}|{what}（{place}）"}
TITLES |= {"02": "{place}{what}|{place}电线杆上{what}"}
TITLES |= {"03": "{place}{what}|{place}附近{what}", "04": "{place}{what}|{place}人行道{what}"}
TITLES |= {"05": "{place}{what}|{place}路口{what}", "06": "{place}{what}|{place}居民反映{what}"}
TITLES |= {"07": "{place}{what}|{place}发现{what}", "08": "{place}{what}|{place}楼道{what}"}
TITLES |= {"09": "{place}居民{what}|{place}{what}", "10": "{place}{what}|走访发现{place}{what}"}


def _phrases(text):  # the words of the stories: phrases separated by "|"
    return text.split("|")


ROADS = _phrases("枫林路|桐梓坡路|银盆岭路|望月湖路|岳麓大道|潇湘中路")
ROADS += _phrases("麓山南路|金星路|含光路|白鹭巷|杏花巷|学堂坡")
RESULTS = _phrases("已现场处置完毕，恢复正常。|已安排人员清理，现场整洁。|已约谈当事人并整改到位。")
RESULTS += _phrases("已更换损坏部件，运行正常。|已联系相关单位处理完成。|已调解，双方达成一致。")
REWORKED = ["返工完成：" + r for r in RESULTS]
NOTES_FAIL = _phrases("现场复核未整改到位，请返工。|仍有残留，需重新处理。|整改不彻底，群众仍有反映。")
VOID_BEFORE = _phrases("重复上报，已有同一事项在办。|经核实不属于受理范围。|信息不全且无法联系上报人。")
VOID_AFTER = _phrases("经区中心核实为误报，予以作废。|与已办结案件重复，作废处理。")
RETURNS = _phrases("不属于本单位职责，请重新派遣。|地址不在本单位管辖范围。")
SUSPENDS = _phrases("需结合季节性施工统一处置，暂缓办理。|涉及工程改造，需立项后实施。")
SUSPENDS += _phrases("当事人外出，待返回后处理。")
EXTENSIONS = _phrases("需协调多个部门联合处置。|配件采购周期较长。|需等待天气好转后施工。")
ESCALATES = _phrases("涉及多个部门，社区无法协调，提请街道处置。|问题复杂，提请上级协调。")
REOPENS = _phrases("群众回访不满意，问题反复出现，重新办理。|复查发现问题未根本解决。")
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
    rows = Membership.objects.filter(is_active=True, user__is_active=True).select_related(
        "user", "department"
    )
    for m in rows.order_by("user_id", "id"):
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
    reaches_prime(users.values())  # every actor's reach in two queries, not one (or two) per actor
    centre = staff.get((Role.DISTRICT_CENTRE, district.code), [])
    children = {}
    for a in areas.values():
        children.setdefault(a.parent_id, []).append(a)
    teams = []
    for grid in sorted((a for a in areas.values() if a.level == Level.GRID), key=lambda a: a.code):
        if grid.pk not in members or not centre:
            continue  # nobody to report or verify here
        places = [grid] + sorted(children.get(grid.pk, []), key=lambda a: a.code)
        crew = members[grid.pk]
        teams.append(Team(grid, places, crew, workers.get(grid.pk) or crew, areas[grid.parent_id]))
    categories = Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    categories = list(categories.prefetch_related("limits").order_by("code"))
    departments = {code: value for code, value in departments.items() if value[0].is_active}
    return Cast(teams, categories, staff, centre, departments)


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


# --- Stories ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One step a story can take: the action (``ACTIONS``' names), who acts (a ``Story`` role), when (a pair:
    working hours after the last step; a triple: a share of a stage's limit after the dispatch, "handle",
    or after the last step, "verify"/"rework") and the inputs (a list: one drawn; a callable: asked of
    the story; anything else as it is)."""

    action: str
    who: str
    when: tuple
    inputs: dict = field(default_factory=dict)
    only: object = None  # a callable: whether the story takes this step at all


def L(action, who, when, only=None, **inputs):  # a table's rows read better short
    return Line(action, who, when, inputs, only)


def _photos(kind, lo=1, hi=2, share=1.0):
    return lambda s: (
        s.photos(kind, lo, hi) if s.rng.random() < share or s.category.after_photo_required else []
    )


def _close_type(s):
    if (due := s.deadline()) and s.t > due:
        return CloseType.OVERDUE
    return CloseType.SPECIAL if s.fate.suspend == "resumed" and s.rng.random() < 0.5 else CloseType.NORMAL


ROUTE = {"department": lambda s: s.route(), "team": lambda s: s.target}
REROUTE = {"department": lambda s: s.route(again=True), "team": lambda s: s.target}
AMOUNTS = [Decimal("1.00"), Decimal("2.00"), Decimal("3.00")]
EXTEND = {"amount": AMOUNTS, "unit": "working_days", "reason": EXTENSIONS}
DONE, REDO = (
    {"result": RESULTS, "photos": _photos("after", share=0.6)},
    {"note": NOTES_FAIL, "photos": _photos("before", 1, 1)},
)
CALLBACK, CHECKED = {"comment": "电话回访。", "channel": "phone"}, "现场复核，已处置到位。"
LINES = {
    "file": L("file", "unit", (0.02, 0.4)),
    "file late": L("file", "unit", (0.6, 2)),
    "void": L("void", "unit", (0.05, 0.4), reason=VOID_BEFORE),
    "void filed": L("void", "centre", (0.5, 8), reason=VOID_AFTER),
    "self pass": L("verify-pass", "verifier", (0.3, 3), note=CHECKED),
    "self fail": L("verify-fail", "verifier", (0.3, 3), note=NOTES_FAIL),
    "escalate": L("escalate", "unit", (0.1, 1), lambda s: s.level != "district", comment=ESCALATES),
    "supervise": L("supervise", "centre", (0.2, 4), comment="区中心督办：请加快办理。"),
    "dispatch": L("dispatch", "unit", (0.02, 0.4), **ROUTE),
    "dispatch late": L("dispatch", "unit", (0.6, 2), **ROUTE),
    "return": L("return", "handlers", (0.2, 3), reason=RETURNS),
    "redispatch": L("dispatch", "unit", (0.05, 0.5), **REROUTE),
    "accept": L("accept", "handlers", (0.05, 1.5)),
    "suspend": L("suspend", "unit", (0.3, 5), reason=SUSPENDS),
    "resume": L("resume", "unit", (7 * 5, 7 * 25), comment="条件具备，恢复办理。"),
    "request extension": L("request-extension", "handler", ("handle", 0.4, 0.7), **EXTEND),
    "approve": L("approve-extension", "unit", (0.1, 2), comment="同意延期。"),
    "reject": L("reject-extension", "unit", (0.1, 2), comment="不同意延期，请按期办结。"),
    "feedback": L("feedback", "handler", ("handle", 0.15, 0.95), **DONE),
    "feedback late": L("feedback", "handler", ("handle", 1.05, 2), **DONE),
    "rework": L("verify-fail", "verifier", ("verify", 0.2, 0.9), **REDO),
    "refeedback": L("feedback", "handler", ("rework", 0.1, 0.5), result=REWORKED, photos=_photos("after")),
    # The coin is tossed whenever the category does not require a check (a story told to stop there checks).
    "verify": L(
        "verify-pass",
        "verifier",
        ("verify", 0.1, 0.9),
        lambda s: (
            (s.category.verify_required or s.rng.random() < 0.5 or s.fate.stop_after == "verify")
            and not s.verified
        ),
        note=CHECKED,
        photos=_photos("after", 0, 1),
    ),
    "close": L("close", "unit", (0.05, 2.5), close_type=_close_type, comment=""),
    "evaluate": L("evaluate", "evaluator", (3, 20), satisfaction=lambda s: s.fate.satisfaction, **CALLBACK),
    "reopen": L("reopen", "centre", (3, 30), reason=REOPENS),
    "evaluate again": L("evaluate", "evaluator", (3, 20), satisfaction="satisfied", **CALLBACK),
}


@dataclass
class Fate:
    """Which side paths one case takes; its story stops early at ``stop_after`` (or at ``now``)."""

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


def script(f: Fate) -> list[str]:
    """The story of a fate after its report, as names of ``LINES``."""
    if f.source == Source.SELF_HANDLED and not f.self_handle_fails:
        return ["self pass", *_closing(f)]
    if f.source == Source.SELF_HANDLED:
        lines = ["self fail"]
    elif f.void_before_file:
        return ["void"]
    else:
        lines = ["file late" if f.late else "file"]
    lines += ["escalate"] * f.escalate + ["supervise"] * f.supervise
    return lines + (["void filed"] if f.void_after_file else _handling(f, first=True))


def _handling(f, first):
    lines = ["dispatch late" if f.late else "dispatch", *["return", "redispatch"] * (first and f.returned)]
    lines.append("accept")
    if first and f.suspend:
        lines += ["suspend"] if f.suspend == "held" else ["suspend", "resume"]
        if f.suspend == "held":
            return lines
    if first and f.extension:
        lines += ["request extension", "approve" if f.extension == "approved" else "reject"]
    lines.append("feedback late" if f.late else "feedback")
    lines += ["rework", "refeedback"] * (f.rework if first else 0)
    return lines + _closing(f, reopened=not first)


def _closing(f, reopened=False):
    lines = ["verify", "close", *["evaluate again" if reopened else "evaluate"] * bool(f.satisfaction)]
    if f.satisfaction and f.reopen and not reopened:
        lines += ["reopen", *_handling(f, first=False)]
    return lines


# One of each state and side path, so even a small demo shows every one: fates' fields, "," between fates.
FORCED_TEXT = """stop_after=report, source=self_handled stop_after=report,
source=self_handled satisfaction=satisfied, source=self_handled self_handle_fails=1,
source=citizen void_before_file=1, void_after_file=1, stop_after=file, stop_after=dispatch,
stop_after=accept, stop_after=feedback, stop_after=verify, , source=hotline satisfaction=basically_satisfied,
suspend=held, suspend=resumed satisfaction=satisfied, returned=1, extension=approved,
extension=rejected late=1, rework=1, rework=2 late=1, escalate=1, supervise=1 stop_after=accept,
supervise=1 satisfaction=satisfied, source=citizen satisfaction=dissatisfied reopen=1, source=sensor,
source=visit satisfaction=satisfied, source=leader escalate=1 supervise=1,
extension=approved stop_after=request-extension, stop_after=return returned=1"""
FORCED = [
    Fate(**{k: int(v) if v.isdigit() else v for k, v in (pair.split("=") for pair in spec.split())})
    for spec in FORCED_TEXT.split(",")
]


def random_fate(rng) -> Fate:
    source = _weighted(rng, SOURCES)
    public = source in (Source.CITIZEN, Source.HOTLINE, Source.SENSOR)
    fate = Fate(source, rng.random() < (0.08 if public else 0.02), rng.random() < 0.06, rng.random() < 0.04)
    fate.supervise, fate.returned = rng.random() < 0.04, rng.random() < 0.06
    fate.suspend = _weighted(rng, [("", 96), ("resumed", 3), ("held", 1)])
    fate.extension = _weighted(rng, [("", 92), ("approved", 6), ("rejected", 2)])
    fate.rework = _weighted(rng, [(0, 90), (1, 8), (2, 2)])
    fate.late, fate.void_after_file = rng.random() < 0.12, rng.random() < 0.015
    if rng.random() < 0.6:
        fate.satisfaction = _weighted(rng, SATISFACTION)
        fate.reopen = fate.satisfaction == "dissatisfied" and rng.random() < 0.5
    if rng.random() < 0.03:  # the backlog: stuck somewhere, now overdue
        fate.stop_after = rng.choice(["report", "file", "dispatch", "accept", "feedback"])
    return fate


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


class Story:
    """Runs a script on the working calendar: each line's actor, moment and inputs become a ``Step``."""

    def __init__(self, cast, rng, team, category, fate, area, reporter, reported_at):
        vars(self).update(cast=cast, rng=rng, team=team, category=category, fate=fate, area=area)
        self.urgency = "urgent" if rng.random() < 0.12 else "normal"
        self.level, self.handler, self.handlers, self.steps = category.default_level, reporter, [], []
        self.department = self.target = self.dispatched_at = self.extended = None
        self.verified, self.t = False, reported_at

    def run(self, names):
        for name in names:
            line = LINES[name]
            if line.only and not line.only(self):
                continue
            actor = self.actor(line.who)
            args = {k: self.value(v) for k, v in line.inputs.items()}
            self.add(line.action, actor, self.moment(line.when), **args)
            self.verified = line.action.startswith("verify")
            if line.action == "escalate":
                self.level = LEVELS[LEVELS.index(self.level) + 1]
            elif line.action == "accept":
                self.handler = actor
            elif line.action in ("dispatch", "resume"):
                self.dispatched_at, self.extended = self.t, None
            elif line.action == "approve-extension":
                self.extended = self.steps[-2].args["amount"]

    def add(self, action, actor, at, **args):
        self.t = max(at, self.t + SECOND) + dt.timedelta(seconds=self.rng.randrange(60))
        self.steps.append(Step(action, actor, self.t, args))

    def value(self, v):
        return self.rng.choice(v) if isinstance(v, list) else v(self) if callable(v) else v

    def actor(self, who):
        if who == "handlers":
            return self.rng.choice(self.handlers)
        if who == "verifier":
            others = [u for u in self.team.members if u is not self.handler]
            return self.rng.choice(others) if others else self.actor("unit")
        if who == "centre" or (who == "evaluator" and self.fate.source == Source.HOTLINE):
            return self.rng.choice(self.cast.centre)
        return self.handler if who == "handler" else self.cast.unit(self.rng, self.team, self.level)

    def moment(self, when):
        if len(when) == 2:  # staff: some working hours after the last step
            hours = Decimal(str(round(self.rng.uniform(*when), 3)))
            return working.add_working_time(self.t, hours, working.WORKING_HOURS, self.area)
        stage, lo, hi = when
        at = self.within(
            "verify" if stage == "verify" else "handle", lo, hi, self.t if stage != "handle" else None
        )
        if stage == "handle" and self.extended and hi < 1:  # done after the approval, in the longer time
            at = max(at, working.add_working_time(self.t, Decimal("0.5"), working.WORKING_HOURS, self.area))
        return at

    def within(self, stage, lo, hi, base=None):
        """A moment at ``lo``–``hi`` of the stage's limit after ``base`` (default: the dispatch)."""
        amount, unit = self.category.limit_for(self.urgency, stage) or (Decimal(1), working.WORKING_DAYS)
        share = Decimal(str(round(self.rng.uniform(lo, hi), 3)))
        return working.add_working_time(base or self.dispatched_at, amount * share, unit, self.area)

    def deadline(self):  # the handling stage's due time, extended when approved
        due = self.dispatched_at and self.within("handle", 1, 1)
        extended = self.extended and working.add_working_time(due, self.extended, "working_days", self.area)
        return extended or due

    def route(self, again=False):
        """The handling unit for this category (``again``: not the one that returned it); its department."""
        code, exclude = self.category.code, (self.department.code if self.department else "community")
        for dep_code in DEPARTMENTS_FOR.get(code, DEPARTMENTS_FOR.get(code[:2], "")).split():
            if dep_code in self.cast.departments and not (again and dep_code == exclude):
                self.department, self.handlers = self.cast.departments[dep_code]
                self.target = None
                return self.department
        staff, self.department = self.cast.community_staff(self.team), None
        if self.level == "grid" or not staff or (again and exclude == "community"):
            self.target, self.handlers = self.team.grid, self.team.members
        else:
            self.target, self.handlers = self.team.community, staff
        return None

    def photos(self, kind, lo=1, hi=2):  # references to stock photos: (kind, index)
        return [(kind, self.rng.randrange(6)) for _ in range(self.rng.randint(lo, hi))]


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
    caller = f"{rng.choice('王李张刘陈杨黄赵吴周')}{rng.choice(['先生', '女士'])}"
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    if source == Source.CITIZEN:
        return None, caller, phone
    if source == Source.SENSOR:
        return None, f"物联感知设备 IOT-{rng.randrange(10**5):05d}", ""
    return rng.choice(cast.centre), caller, phone  # hotline operator, or a leader's instruction


def plan_case(cast, rng, fate, reported_at, now) -> Plan:
    team = rng.choice(cast.teams)
    majors = SOURCE_MAJORS.get(fate.source)
    category = rng.choice(
        [c for c in cast.categories if majors is None or c.parent.code in majors] or cast.categories
    )
    area = rng.choice(team.places)
    if fate.source in (Source.PATROL, Source.SELF_HANDLED, Source.VISIT, Source.LEADER):
        on_duty = working.next_working_moment(reported_at, team.grid)  # grid workers report on duty
        reported_at = on_duty if on_duty < now - dt.timedelta(minutes=2) else reported_at
    reporter, name, phone = _reporter(cast, rng, team, fate.source)
    story = Story(cast, rng, team, category, fate, area, reporter, reported_at)
    place, (lat, lon) = area.name if area.level == Level.MICROGRID else team.community.name, (None, None)
    if area.centroid_lat and area.centroid_lon:
        lat, lon = (
            round(c + rng.uniform(-0.0003, 0.0003), 6) for c in (area.centroid_lat, area.centroid_lon)
        )
    title = rng.choice(TITLES.get(category.parent.code, "{place}{what}").split("|"))
    report = dict(title=title.format(place=place, what=category.name)[:120], urgency=story.urgency, level="")
    report |= dict(description=f"{team.community.name}{team.grid.name}发现{category.name}，请尽快处置。")
    report |= dict(
        lat=lat, lon=lon, address=f"{rng.choice(ROADS)}{rng.randint(1, 399)}号", source=fate.source
    )
    report |= dict(extra=_extra_answers(rng, category), reporter_name=name, reporter_phone=phone)
    args = {"before_photos": story.photos("before", int(fate.source not in (Source.HOTLINE, Source.SENSOR)))}
    if fate.source == Source.SELF_HANDLED:
        args.update(self_handled_result=rng.choice(RESULTS), after_photos=story.photos("after"))
    story.add("report", reporter, reported_at, **args)
    story.run(script(fate))
    stop = fate.stop_after  # "verify" stops at verify-pass or verify-fail
    cut = next((k for k, s in enumerate(story.steps) if stop and f"{s.action}-".startswith(f"{stop}-")), None)
    steps = [s for s in story.steps[: None if cut is None else cut + 1] if s.at <= now]
    return Plan(team, area, category, report, steps)


def plan_cases(cast, *, seed, count, now, months=6, forced=True):
    """Yield ``count`` plans in order of report time, each cut at ``now``."""
    rng = random.Random(seed)
    span = int(months * 30.44 * 86400)
    times = sorted(rng.randrange(span - 120) for _ in range(count))
    # Forced fates first (so every path exists), placed among the older reports so they can finish.
    fates = FORCED[:count] if forced else []
    spread = count >= 3 * len(fates)
    slots = {(k * count * 6 // (10 * len(fates)) if spread else k): fate for k, fate in enumerate(fates)}
    for k, offset in enumerate(times):
        yield plan_case(
            cast, rng, slots.get(k) or random_fate(rng), now - dt.timedelta(seconds=span - offset), now
        )


# --- Writing -------------------------------------------------------------------------------------


class CaseWriter:
    """Replays plans through the transition core (``cases.transitions``) in memory, keeping each case's
    chain head itself, and writes the rows in bulk: what the services would write, without a query a step."""

    def __init__(self, photos):
        self.photos = photos
        self.ids = {m: (m.objects.aggregate(m=Max("id"))["m"] or 0) for m in (Case, CaseEvent, Attachment)}
        self.counters = {(c.year, c.area_code): c for c in CaseNumberCounter.objects.all()}
        self.heads = {}  # case id → (seq, hash) of its last event
        self.cases, self.events, self.attachments = [], [], []
        self.written = {"cases": 0, "events": 0, "attachments": 0}

    def _next(self, model):
        self.ids[model] += 1
        return self.ids[model]

    def replay(self, plan) -> Case:
        (report, *steps), area = plan.steps, plan.area
        year, street = timezone.localtime(report.at).year, area.code[: CODE_LENGTH[Level.STREET]]
        counter = self.counters.setdefault(
            (year, street), CaseNumberCounter(year=year, area_code=street, last=0)
        )
        counter.last += 1
        r = {k: v for k, v in plan.report.items() if k != "level"}
        case = Case(
            id=self._next(Case),
            number=f"{year}{street}{counter.last:06d}",
            **{**r, "title": r["title"].strip()},
            category=plan.category,
            level=plan.report["level"] or plan.category.default_level,
            reporter=report.actor,
            area=area,
            area_code=area.code,
            reported_at=report.at,
            created_at=report.at,
        )
        before = self._attach(case, report.actor, report.args.get("before_photos", ()), "before", report.at)
        drafts = [(report_step(case, report.actor, report.at).event, before)]
        if report.args.get("self_handled_result"):  # the report's on-the-spot fix
            fix = {
                "result": report.args["self_handled_result"],
                "photos": report.args.get("after_photos", ()),
            }
            steps.insert(0, Step("self-handle", report.actor, report.at, fix))
        for step in steps:
            arguments = dict(step.args)
            refs = arguments.pop("photos", ())
            request = action_request(step.action, case, **arguments)
            attached = self._attach(case, step.actor, refs, request.photo_kind, step.at)
            # New cases have no assisting departments: co-handling is settled, no need to ask the database.
            request = replace(request, inputs=replace(request.inputs, assists_settled=True))
            change = request_step(case, step.actor, request, at=step.at, photo_ids=[a.pk for a in attached])
            drafts.append((change.event, attached))
        # The case's events chained in one call (one key look-up a case, not one an event).
        for event, (_draft, attached) in zip(events_chain([d for d, _ in drafts], self.heads), drafts):
            event.id = self._next(CaseEvent)
            self.events.append(event)
            for a in attached:
                a.event_id = event.pk
        case.updated_at = plan.steps[-1].at
        # The case row carries its chain's head, written in the same bulk insert as its events.
        case.last_event_seq, case.last_event_hash = self.heads[case.pk]
        self.cases.append(case)
        return case

    def _attach(self, case, actor, refs, kind, at):
        attached = []
        for photo_kind, index in refs:
            photo = self.photos[photo_kind][index]
            row = dict(id=self._next(Attachment), case_id=case.pk, kind=kind, created_at=at, file=photo.name)
            row |= dict(
                thumbnail=photo.thumbnail, original_name="photo.jpg", mime="image/jpeg", size=photo.size
            )
            row |= dict(sha256=photo.sha256, width=photo.width, height=photo.height)
            attached.append(Attachment(**row, uploaded_by_id=getattr(actor, "pk", None)))
        self.attachments += attached
        return attached

    def flush(self):
        """Insert what has been replayed so far (cases, then events, then attachments)."""
        for key, model, rows in (("cases", Case, self.cases), ("events", CaseEvent, self.events)):
            self.written[key] += rows_insert(model, rows)
        self.written["attachments"] += rows_insert(Attachment, self.attachments)
        self.cases, self.events, self.attachments = [], [], []

    def finish(self):
        self.flush()
        new = [c for c in self.counters.values() if c.pk is None]
        CaseNumberCounter.objects.bulk_create(new)
        CaseNumberCounter.objects.bulk_update(
            [c for c in self.counters.values() if c.pk], ["last"], batch_size=500
        )
        sequences_reset(Case, CaseEvent, Attachment)  # rows went in with their ids


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
    images = len({p.name for kind in photos.values() for p in kind})
    return {**writer.written, "images": images, "statuses": statuses, "seconds": time.monotonic() - started}


def load(*, district, seed, stdout, cases=3000, months=6, **options):
    """``load_demo``'s hook: the demo district's case history."""
    result = build(district=district, seed=seed, cases=cases, months=months)
    # The backlog's deadlines passed while nobody ran the sweep: dispatch runs it now (a receiver of this
    # signal), so the pages count those cases overdue (and escalated) from the first request.
    said = [phrase for _receiver, phrase in signals.demo_history_loaded.send(sender=Case, district=district)]
    summary = f"Cases: {result['cases']} cases, {result['events']} events, {result['attachments']} photos"
    summary += f" (sharing {result.get('images', 0)} stored images) over {months} months"
    stdout.write("; ".join([summary, *[phrase for phrase in said if phrase]]))

"""The demo district (麓湖区, code 430188 — an unused GB/T 2260 code under Changsha): a deterministic tree
with boundaries that tile it, grid teams, staff, departments and a superuser, built with bulk inserts.

Layout: the grids are the first N cells of a Hilbert curve over a lattice near lon 112.90, lat 28.15 whose
vertices are jittered (so cells are irregular quadrilaterals that still share every edge exactly).
Consecutive Hilbert cells are edge neighbours, so any run of them is one connected piece without holes:
streets are runs of cells, communities runs within a street, and each is the union of its cells. Every
grid is split into 2–4 micro-grids (楼栋) by cuts across the quadrilateral.

Other apps add their own demo data through a module ``<app>/demo.py`` (app labels in ``DEMO_APPS``) that
defines::

    def load(*, district: grids.models.Area, seed: int, stdout, **options) -> None

It runs after this tree, its users and departments exist, inside the same transaction; ``stdout`` is the
command's output stream (write one summary line); ``options`` carries the command's options (``grids``
and anything added later) — accept and ignore the ones you do not use. It must be deterministic for a
given seed and should use ``bulk_create``.
"""

import importlib
import math
import random
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.contrib.auth.hashers import make_password
from shapely.geometry import mapping

from grids.models import Department

from . import spatial
from .geometry import derive_extent
from .models import Area, AreaKind, BoundaryRevision, DedicatedPurpose, Level, Membership, Role, User

DISTRICT_CODE = "430188"
DISTRICT_NAME = "麓湖区"
DEMO_APPS = (
    "dispatch",
    "cases",
    "residents",
    "assessment",
    "command",
    "intake",
    "tasks",
    "notices",
    "community",
    "fieldwork",
    "duty",
    "mediation",
    "risk",
    "open311",
)
LON0, LAT0 = 112.90, 28.15
CELL_LON, CELL_LAT = 0.005, 0.0045  # about 490 m × 500 m
JITTER = 0.25  # of a cell: below 0.5 every quadrilateral stays simple
GRIDS_PER_STREET, GRIDS_PER_COMMUNITY = 50, 7.5

STREET_ROOTS = [
    "望麓",
    "桐溪",
    "银杉",
    "枫林",
    "梅溪",
    "洋湖",
    "含浦",
    "观沙",
    "桃源",
    "金星",
    "坪塘",
    "麓谷",
    "岳华",
    "湘岸",
    "橘洲",
    "云栖",
    "松雅",
    "白鹭",
    "新塘",
    "学士",
]
FIRST = "丰和安康文华兴福润锦翠明清泰永嘉瑞长盛宁"
SECOND = "园苑城里坊庭湾桥塘岭坡港湖山源洲"
NUMERALS = "一二三四五六七八九十"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯健俊帆鹏鑫波斌璐婷雪琳晨"
    "欣怡佳慧思远志国海燕春梅兴旺德胜红霞丹晓光荣"
)
DEDICATED = [  # (purpose, place suffix)
    (DedicatedPurpose.MARKET, "农贸市场"),
    (DedicatedPurpose.CAMPUS, "中学"),
    (DedicatedPurpose.BUSINESS, "商圈"),
    (DedicatedPurpose.ENTERPRISE, "产业园"),
    (DedicatedPurpose.CAMPUS, "小学"),
    (DedicatedPurpose.MARKET, "建材市场"),
]
DEPARTMENTS = [  # (code, name, username prefix)
    ("CGJ", "{d}城市管理局", "cgj"),
    ("ZJJ", "{d}住房和城乡建设局", "zjj"),
    ("SJJ", "{d}市场监督管理局", "sjj"),
    ("GAFJ", "长沙市公安局{s}分局", "gafj"),
    ("SHJ", "长沙市生态环境局{s}分局", "shj"),
    ("SWJ", "{d}水务局", "swj"),
    ("GDGS", "国网长沙市{s}供电公司", "gdgs"),
    ("YJJ", "{d}应急管理局", "yjj"),
]


@dataclass
class DemoDistrict:
    district: Area
    counts: dict = field(default_factory=dict)


# --- geometry -------------------------------------------------------------------------------------------


def hilbert_cell(order: int, d: int) -> tuple[int, int]:
    """Cell (x, y) at distance d along a Hilbert curve over a 2^order square (the classic d2xy)."""
    x = y = 0
    s, t = 1, d
    while s < (1 << order):
        rx, ry = 1 & (t // 2), 1 & (t ^ (1 & (t // 2)))
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        x, y = x + s * rx, y + s * ry
        t //= 4
        s *= 2
    return x, y


class Lattice:
    def __init__(self, n_cells: int, seed: int):
        self.order = max(1, math.ceil(math.log2(math.sqrt(n_cells))))
        side = (1 << self.order) + 1
        jitter = np.random.default_rng(seed).uniform(-JITTER, JITTER, size=(side, side, 2))
        i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
        self.lon = np.round(LON0 + (i + jitter[..., 0]) * CELL_LON, 7)
        self.lat = np.round(LAT0 + (j + jitter[..., 1]) * CELL_LAT, 7)
        self.cells = [hilbert_cell(self.order, d) for d in range(n_cells)]

    def corner(self, i, j):
        return float(self.lon[i, j]), float(self.lat[i, j])

    def quad(self, cell):
        i, j = cell
        return [self.corner(i, j), self.corner(i + 1, j), self.corner(i + 1, j + 1), self.corner(i, j + 1)]


def polygon(ring) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring] + [list(ring[0])]]}


def to_geojson(geom) -> dict:
    data = mapping(geom)

    def lists(c):
        return [lists(x) for x in c] if isinstance(c[0], (list, tuple)) else [round(c[0], 7), round(c[1], 7)]

    return {"type": data["type"], "coordinates": lists(data["coordinates"])}


def split_quad(quad, parts: int) -> list[list]:
    """Cut a quadrilateral into strips joining points spaced evenly on two opposite edges."""
    (a, b, c, d) = quad

    def lerp(p, q, t):
        return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)

    bottom = [lerp(a, b, k / parts) for k in range(parts + 1)]
    top = [lerp(d, c, k / parts) for k in range(parts + 1)]
    bottom[0], bottom[-1], top[0], top[-1] = a, b, d, c
    return [[bottom[k], bottom[k + 1], top[k + 1], top[k]] for k in range(parts)]


# --- names ----------------------------------------------------------------------------------------------


def name_pool(roots, rng, count) -> list[str]:
    """``count`` distinct names: the roots in a seeded order, then again with 二, 三 … appended."""
    roots = list(roots)
    rng.shuffle(roots)
    return [
        roots[k % len(roots)] + ("" if k < len(roots) else NUMERALS[k // len(roots)]) for k in range(count)
    ]


def person_name(rng) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def apportion(total: int, weights, minimum: int = 1) -> list[int]:
    """Split ``total`` by weights (largest remainder), every part at least ``minimum``."""
    rest = total - minimum * len(weights)
    whole = sum(weights)
    shares = [rest * w / whole for w in weights]
    parts = [int(x) for x in shares]
    for k in sorted(range(len(shares)), key=lambda k: parts[k] - shares[k])[: rest - sum(parts)]:
        parts[k] += 1
    return [p + minimum for p in parts]


# --- the tree -------------------------------------------------------------------------------------------


def _area(code, name, level, parent, geom_json, **extra) -> Area:
    area = Area(code=code, name=name, level=level, parent=parent, boundary=geom_json, **extra)
    (area.min_lon, area.min_lat, area.max_lon, area.max_lat, area.centroid_lon, area.centroid_lat) = (
        derive_extent(geom_json)
    )
    return area


class Builder:
    def __init__(self, n_grids: int, seed: int):
        self.n, self.seed = n_grids, seed
        self.rng = random.Random(seed)
        self.lattice = Lattice(n_grids, seed)
        self.n_streets = max(1, round(n_grids / GRIDS_PER_STREET))
        self.n_communities = max(self.n_streets, round(n_grids / GRIDS_PER_COMMUNITY))
        self.users: list[tuple[User, list]] = []  # (user, [(role, area, department)])

    def layout(self):
        """[(street cells, [(community cells, [grid cell, ...]), ...]), ...] along the Hilbert run."""
        rng, cells = self.rng, self.lattice.cells
        street_sizes = apportion(self.n, [rng.uniform(0.8, 1.2) for _ in range(self.n_streets)])
        communities_per_street = apportion(self.n_communities, street_sizes)
        streets, start = [], 0
        for size, n_comm in zip(street_sizes, communities_per_street):
            comm_sizes = apportion(size, [rng.uniform(0.7, 1.3) for _ in range(n_comm)])
            communities, c_start = [], start
            for c_size in comm_sizes:
                communities.append(cells[c_start : c_start + c_size])
                c_start += c_size
            streets.append(communities)
            start += size
        return streets

    def build_tree(self):
        rng, lattice = self.rng, self.lattice
        quads = {cell: lattice.quad(cell) for cell in lattice.cells}
        shapes = {cell: shapely.Polygon(q) for cell, q in quads.items()}
        layout = self.layout()
        district_geom = shapely.union_all(list(shapes.values()))
        district = _area(DISTRICT_CODE, DISTRICT_NAME, Level.DISTRICT, None, to_geojson(district_geom))
        street_names = name_pool(STREET_ROOTS, rng, len(layout))
        community_names = name_pool([a + b for a in FIRST for b in SECOND], rng, self.n_communities)
        streets, communities, grids, micro = [], [], [], []
        comm_no = 0
        for s, street_cells in enumerate(layout, 1):
            flat = [c for comm in street_cells for c in comm]
            street = _area(
                f"{DISTRICT_CODE}{s:03d}",
                street_names[s - 1] + "街道",
                Level.STREET,
                district,
                to_geojson(shapely.union_all([shapes[c] for c in flat])),
            )
            streets.append(street)
            for c, comm_cells in enumerate(street_cells, 1):
                root = community_names[comm_no]
                comm_no += 1
                community = _area(
                    f"{street.code}{c:03d}",
                    root + "社区",
                    Level.COMMUNITY,
                    street,
                    to_geojson(shapely.union_all([shapes[x] for x in comm_cells])),
                )
                communities.append(community)
                dedicated_at = rng.randrange(len(comm_cells)) if rng.random() < 0.3 else None
                for g, cell in enumerate(comm_cells, 1):
                    grid = self._grid(community, g, root if g - 1 == dedicated_at else None, quads[cell])
                    grids.append(grid)
                    micro += self._micro_grids(grid, quads[cell])
        for areas in ([district], streets, communities, grids, micro):
            for area in areas:
                area.parent_id = area.parent.pk if area.parent else None
            Area.objects.bulk_create(areas, batch_size=1000)
        for parent_level, children in ((communities, grids), (streets, communities), ([district], streets)):
            for parent in parent_level:
                parent.households = parent.residents = 0
            by_id = {p.pk: p for p in parent_level}
            for child in children:
                by_id[child.parent_id].households += child.households
                by_id[child.parent_id].residents += child.residents
            Area.objects.bulk_update(parent_level, ["households", "residents"], batch_size=1000)
        self.district, self.streets, self.communities, self.grids = district, streets, communities, grids
        self.micro = micro

    def _grid(self, community, g, place_root, quad) -> Area:
        rng = self.rng
        extra = {"kind": AreaKind.COMPREHENSIVE}
        name = f"第{g}网格"
        if place_root is not None:
            purpose, suffix = DEDICATED[rng.randrange(len(DEDICATED))]
            extra = {"kind": AreaKind.DEDICATED, "purpose": purpose}
            name += f"（{place_root}{suffix}）"
            households = rng.randint(10, 80)
        else:
            households = rng.randint(280, 520)
        residents = int(households * rng.uniform(2.4, 3.1))
        return _area(
            f"{community.code}{g:03d}",
            name,
            Level.GRID,
            community,
            polygon(quad),
            households=households,
            residents=residents,
            **extra,
        )

    def _micro_grids(self, grid, quad) -> list[Area]:
        n = self.rng.randint(2, 4)
        pieces = split_quad(quad, n)
        households = apportion(max(grid.households, n), [1.0] * n)
        residents = apportion(max(grid.residents, n), [1.0] * n)
        first = self.rng.randint(1, 6)
        return [
            _area(
                f"{grid.code}{k + 1:03d}",
                f"{first + k}栋",
                Level.MICROGRID,
                grid,
                polygon(piece),  # unrounded: rounding the cut points would leave ~1 m² slivers
                households=households[k],
                residents=residents[k],
            )
            for k, piece in enumerate(pieces)
        ]

    # --- people -----------------------------------------------------------------------------------------

    def person(self, username, memberships, display_name=None, **extra):
        display_name = display_name or person_name(self.rng)
        user = User(username=username, display_name=display_name, phone=phone(self.rng), **extra)
        self.users.append((user, memberships))

    def build_people(self):
        d = self.district
        for k in range(1, 4):
            self.person(f"centre{k:02d}", [(Role.DISTRICT_CENTRE, d, None)])
        self.person("leader01", [(Role.LEADER_READONLY, d, None)])
        for street in self.streets:
            for k in (1, 2):
                self.person(f"street{street.code[6:]}-{k}", [(Role.STREET_STAFF, street, None)])
        for community in self.communities:
            for k in (1, 2):
                self.person(f"comm{community.code[6:]}-{k}", [(Role.COMMUNITY_STAFF, community, None)])
        for grid in self.grids:
            tag = f"grid{grid.code[6:]}"
            self.person(f"{tag}-leader", [(Role.GRID_LEADER, grid, None)])
            for k in range(1, self.rng.randint(1, 2) + 1):
                self.person(f"{tag}-w{k}", [(Role.GRID_WORKER, grid, None)])
        short = DISTRICT_NAME.removesuffix("区")
        departments = [
            Department(code=code, name=name.format(d=DISTRICT_NAME, s=short), area=d)
            for code, name, _ in DEPARTMENTS
        ]
        Department.objects.bulk_create(departments)
        Department.covered_areas.through.objects.bulk_create(
            [Department.covered_areas.through(department_id=dep.pk, area_id=d.pk) for dep in departments]
        )
        for dep, (_, _, prefix) in zip(departments, DEPARTMENTS):
            for k in (1, 2):
                self.person(f"{prefix}-{k}", [(Role.DEPARTMENT_HANDLER, d, dep)])
        self.person("admin", [], display_name="系统管理员", is_superuser=True, is_staff=True)
        self.departments = departments
        self._save_people()

    def _save_people(self):
        # One hash for everybody: PBKDF2 per user would take minutes at 5,000 grids.
        password = make_password(settings.GRIDGOV["DEMO_PASSWORD"])
        for user, _ in self.users:
            user.password = password
        User.objects.bulk_create([u for u, _ in self.users], batch_size=1000)
        Membership.objects.bulk_create(
            [
                Membership(user_id=u.pk, area_id=a.pk, role=r, department_id=dep.pk if dep else None)
                for u, ms in self.users
                for r, a, dep in ms
            ],
            batch_size=1000,
        )


def build_district(*, grids: int = 300, seed: int = 2024) -> DemoDistrict:
    """Create the demo district in the current database (the caller holds the transaction)."""
    builder = Builder(grids, seed)
    builder.build_tree()
    builder.build_people()
    spatial.invalidate()
    BoundaryRevision.bump()
    return DemoDistrict(
        district=builder.district,
        counts={
            "streets": len(builder.streets),
            "communities": len(builder.communities),
            "grids": len(builder.grids),
            "micro-grids": len(builder.micro),
            "users": len(builder.users),
            "departments": len(builder.departments),
        },
    )


def load_app_demos(*, district: Area, seed: int, stdout, apps=DEMO_APPS, **options) -> list[str]:
    """Call ``<app>.demo.load`` for each app in ``apps`` that has one; returns the labels loaded. Each app's
    summary goes out as one stage line with the stage's seconds in front (``stage_line``), as it finishes."""
    loaded = []
    for label in apps:
        module_name = f"{label}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (
                label,
                module_name,
            ):  # the app has no demo yet; a missing import inside it still fails
                continue
            raise
        summary = Summary()
        started, cpu = time.monotonic(), time.process_time()
        module.load(district=district, seed=seed, stdout=summary, **options)
        if stdout is not None:
            stdout.write(
                stage_line(label, time.monotonic() - started, summary.text(), cpu=time.process_time() - cpu)
            )
            stdout.flush()
        loaded.append(label)
    return loaded


class Summary:
    """Collects what an app's ``load`` writes (it takes a management command's ``stdout``)."""

    def __init__(self):
        self.lines = []

    def write(self, msg="", style_func=None, ending=None):
        self.lines.append(msg)

    def flush(self):
        pass

    def text(self) -> str:
        return "; ".join(line.strip() for line in self.lines if line.strip())


def stage_line(label: str, seconds: float, text: str, *, cpu: float | None = None) -> str:
    """One line of ``load_demo``'s progress: stage, its seconds, what it wrote. ``cpu``: this process's CPU
    seconds in the stage, which a busy machine does not inflate the way it does the wall-clock seconds."""
    used = f" (cpu {cpu:4.1f}s)" if cpu is not None else ""
    return f"  {label:<12} {seconds:5.1f}s{used}  {text}"

"""Demo register for the demo district: buildings, dwellings, households, persons, group tags, places and
six months of visits, in every grid — so coverage tables and follow-up lists show real figures.

Called by ``load_demo`` through ``grids.demo.load_app_demos`` after the tree and the grid teams exist.
Names are generated from common surnames; ID numbers carry the district's own (unused) area code, a
plausible birth date and a valid check digit, so they pass validation and belong to nobody. Everything is
written with ``gridgov.bulk.rows_insert`` (ids handed out in memory, so dependants refer to rows
without reading them back); encryption of ~30k ID and phone numbers is the main cost.
"""

import datetime as dt
import random
from collections import defaultdict

from django.utils import timezone

from gridgov.bulk import rows_insert
from grids.demo import person_name, phone
from grids.models import GRID_TEAM_ROLES, Area, AreaKind, Level, Membership

from . import crypto, idcard
from .models import (
    Building,
    Dwelling,
    GroupTag,
    Household,
    ImportJob,
    Person,
    PersonTag,
    Place,
    ResidenceChange,
    Visit,
    VisitTask,
)
from .visits import visit_tasks_build

HOUSEHOLDS_PER_GRID = 36
MONTHS = 6
ETHNICITIES = ["汉族"] * 92 + ["土家族"] * 4 + ["苗族"] * 2 + ["侗族", "瑶族"]
PLACE_KINDS = {  # dedicated purpose -> (kinds, count range)
    "market": (["shop", "restaurant", "market"], (12, 20)),
    "campus": (["school", "shop", "clinic"], (3, 6)),
    "business": (["shop", "restaurant", "hotel", "enterprise"], (15, 25)),
    "enterprise": (["enterprise"], (10, 18)),
    "": (["shop", "restaurant", "clinic", "hotel"], (3, 7)),
}
PLACE_NAMES = {
    "shop": "便利店",
    "restaurant": "餐馆",
    "market": "菜市场",
    "school": "学校",
    "clinic": "诊所",
    "hotel": "宾馆",
    "enterprise": "有限公司",
    "other": "门店",
}
# share of persons per tag (elderly living alone is assigned to old people living on their own)
TAG_RATES = {
    "disabled": 0.02,
    "low_income": 0.025,
    "lost_only_child": 0.003,
    "left_behind_child": 0.008,
    "community_correction": 0.002,
    "released_prisoner": 0.003,
    "mental_disorder": 0.003,
    "drug_user": 0.002,
    "key_youth": 0.003,
    "petitioner": 0.002,
}


class _Ids:
    """Unique, valid, synthetic ID numbers under the district's area code."""

    def __init__(self, rng, area_code):
        self.rng, self.area_code, self.used = rng, area_code[:6], set()

    def make(self, born: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            number = idcard.make(self.area_code, born, seq)
            if number not in self.used:
                self.used.add(number)
                return number


def load(*, district: Area, seed: int, stdout, **options):
    builder = _Builder(district, seed, options.get("households_per_grid") or HOUSEHOLDS_PER_GRID)
    counts = builder.run()
    stdout.write("residents: " + ", ".join(f"{n} {label}" for label, n in counts.items()))


class _Builder:
    def __init__(self, district, seed, households_per_grid):
        self.district, self.rng = district, random.Random(seed * 7919 + 17)
        self.per_grid = households_per_grid
        self.ids = _Ids(self.rng, district.code)
        self.today = timezone.localdate()
        self.tags = {t.code: t for t in GroupTag.objects.all()}

    def run(self) -> dict:
        areas = list(
            Area.objects.filter(
                code__startswith=self.district.code, is_active=True, level__in=[Level.GRID, Level.MICROGRID]
            ).order_by("code")
        )
        grids = [a for a in areas if a.level == Level.GRID]
        micro = defaultdict(list)
        for a in areas:
            if a.level == Level.MICROGRID:
                micro[a.parent_id].append(a)
        self.team = defaultdict(list)
        for user_id, area_id in (
            Membership.objects.filter(area__in=grids, role__in=GRID_TEAM_ROLES, is_active=True)
            .order_by("user_id")
            .values_list("user_id", "area_id")
        ):
            self.team[area_id].append(user_id)
        buildings = self._buildings(grids, micro)
        dwellings = self._dwellings(buildings)
        households = self._households(dwellings)
        persons = self._persons(households)
        links = self._tags(persons, households)
        places = self._places(grids)
        visits = self._visits(households, persons, links)
        tasks = visit_tasks_build(today=self.today)
        return {
            "buildings": len(buildings),
            "households": len(households),
            "persons": len(persons),
            "group memberships": len(links),
            "places": len(places),
            "visits": visits,
            "open follow-ups": tasks["open"],
        }

    # --- places and people ------------------------------------------------------------------------------

    def _buildings(self, grids, micro):
        rng, rows = self.rng, []
        for grid in grids:
            if grid.kind == AreaKind.DEDICATED:
                continue
            for m in micro.get(grid.id) or [grid]:
                lat = (m.centroid_lat or 0) + rng.uniform(-0.0004, 0.0004) if m.centroid_lat else None
                lon = (m.centroid_lon or 0) + rng.uniform(-0.0004, 0.0004) if m.centroid_lon else None
                micro_level = m.level == Level.MICROGRID
                rows.append(
                    Building(
                        area=m,
                        code=f"B{m.code}",
                        name=f"{grid.parent.name}{m.name}" if micro_level else grid.name,
                        address=f"{grid.parent.name}{rng.randint(1, 300)}号{m.name if micro_level else ''}",
                        kind=rng.choice(["residential"] * 8 + ["mixed", "self_built"]),
                        floors=rng.choice([6, 7, 11, 18, 26]),
                        property_company=rng.choice(["", "湘江物业", "绿城物业", "万科物业", "碧桂园服务"]),
                        lat=lat,
                        lon=lon,
                    )
                )
        for b in rows:
            b.grid_id = b.area.parent_id if b.area.level == Level.MICROGRID else b.area_id
        rows_insert(Building, rows)
        return rows

    def _dwellings(self, buildings):
        rng, rows = self.rng, []
        per_grid = defaultdict(list)
        for b in buildings:
            per_grid[b.area.parent_id if b.area.level == Level.MICROGRID else b.area_id].append(b)
        for blds in per_grid.values():
            wanted = int(self.per_grid * rng.uniform(0.8, 1.25) / 0.93)  # ~7 % of dwellings stand vacant
            for k in range(wanted):
                b = blds[k % len(blds)]
                n = k // len(blds)
                unit, floor, door = n // 12 + 1, (n % 12) // 2 + 1, n % 2 + 1
                use = rng.choices(["owner_occupied", "rented", "vacant", "business"], [72, 19, 7, 2])[0]
                rows.append(
                    Dwelling(area_id=b.area_id, building=b, unit=str(unit), room=f"{floor}0{door}", use=use)
                )
        rows_insert(Dwelling, rows)
        return rows

    def _households(self, dwellings):
        rows, numbers = [], defaultdict(int)
        since = timezone.now() - dt.timedelta(days=365 * 2)  # the register predates the six months of visits
        for d in dwellings:
            if d.use == "vacant":
                continue
            numbers[d.area_id] += 1
            area_code = d.building.area.code
            rows.append(
                Household(
                    area_id=d.area_id,
                    dwelling=d,
                    number=f"{area_code}{numbers[d.area_id]:03d}",
                    address=f"{d.building.address} {d.unit}单元{d.room}",
                    created_at=since,
                )
            )
        rows_insert(Household, rows)
        return rows

    def _persons(self, households):
        rng, rows = self.rng, []
        for h in households:
            floating = h.dwelling.use == "rented" and rng.random() < 0.6
            size = rng.choices([1, 2, 3, 4, 5], [14, 30, 30, 18, 8])[0]
            head_age = rng.randint(24, 88) if size == 1 else rng.randint(28, 75)
            surname = person_name(rng)[0]
            members = [("head", head_age, rng.random() < 0.5)]
            if size >= 2:
                members.append(("spouse", max(20, head_age + rng.randint(-5, 5)), not members[0][2]))
            for _ in range(size - len(members)):
                if head_age > 55 and rng.random() < 0.5:
                    members.append(("grandchild", rng.randint(2, 16), rng.random() < 0.5))
                elif head_age < 50 and rng.random() < 0.3:
                    members.append(("parent", head_age + rng.randint(22, 32), rng.random() < 0.5))
                else:
                    members.append(("child", max(1, head_age - rng.randint(22, 34)), rng.random() < 0.5))
            for relation, age, male in members:
                rows.append(self._person(h, relation, age, male, surname, floating))
        rows_insert(Person, rows)
        return rows

    def _person(self, household, relation, age, male, surname, floating):
        rng = self.rng
        born = self.today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        foreign = floating and rng.random() < 0.03
        if foreign:
            id_type, number, birth, gender = "passport", f"E{rng.randint(10_000_000, 99_999_999)}", born, ""
        else:
            id_type, number = "resident_id", self.ids.make(born, male)
            birth, gender = born, "male" if male else "female"
        name = person_name(rng)
        if relation in ("child", "grandchild") and not foreign:
            name = surname + name[1:]
        mobile = phone(rng) if age >= 14 else ""
        return Person(
            area_id=household.area_id,
            household=household,
            name=name,
            id_type=id_type,
            id_cipher=crypto.encrypt(number),
            id_hash=crypto.lookup_hash("id", number),
            id_mask=crypto.mask_id(number),
            gender=gender,
            birth_date=birth,
            ethnicity=rng.choice(ETHNICITIES),
            residence_type="foreign" if foreign else ("floating" if floating else "registered"),
            relation=relation,
            phone_cipher=crypto.encrypt(mobile),
            phone_hash=crypto.lookup_hash("phone", mobile),
            phone_mask=crypto.mask_phone(mobile),
        )

    def _tags(self, persons, households):
        rng, rows = self.rng, []
        sizes = defaultdict(int)
        for p in persons:
            sizes[p.household_id] += 1
        start_floor = self.today - dt.timedelta(days=3 * 365)
        for p in persons:
            age = (self.today - p.birth_date).days // 365
            codes = []
            if sizes[p.household_id] == 1 and age >= 70:
                codes.append("elderly_alone")
            if (
                p.relation in ("child", "grandchild")
                and age < 16
                and rng.random() < TAG_RATES["left_behind_child"] * 8
            ):
                codes.append("left_behind_child")
            for code, rate in TAG_RATES.items():
                if code != "left_behind_child" and age >= 18 and rng.random() < rate:
                    codes.append(code)
            for code in codes:
                since = start_floor + dt.timedelta(days=rng.randint(0, 3 * 365 - 200))
                rows.append(PersonTag(area_id=p.area_id, person=p, tag=self.tags[code], started_on=since))
        rows_insert(PersonTag, rows)
        return rows

    def _places(self, grids):
        rng, rows = self.rng, []
        for grid in grids:
            kinds, (low, high) = PLACE_KINDS.get(grid.purpose or "", PLACE_KINDS[""])
            for k in range(rng.randint(low, high)):
                kind = rng.choice(kinds)
                mobile = phone(rng)
                rows.append(
                    Place(
                        area=grid,
                        name=f"{person_name(rng)[1:]}{PLACE_NAMES[kind]}",
                        kind=kind,
                        address=f"{grid.parent.name}商业街{k + 1}号",
                        contact_name=person_name(rng),
                        contact_phone_cipher=crypto.encrypt(mobile),
                        contact_phone_mask=crypto.mask_phone(mobile),
                        credit_code=f"91430188MA4{rng.randint(1_000_000, 9_999_999)}",
                        lat=grid.centroid_lat,
                        lon=grid.centroid_lon,
                    )
                )
        rows_insert(Place, rows)
        return rows

    # --- visits -----------------------------------------------------------------------------------------

    def _when(self, day: dt.date):
        tz = timezone.get_current_timezone()
        return dt.datetime.combine(day, dt.time(self.rng.randint(8, 17), self.rng.randint(0, 59)), tzinfo=tz)

    def _visitor(self, area: Area | None, grid_id):
        team = self.team.get(grid_id)
        return self.rng.choice(team) if team else None

    def _visits(self, households, persons, links) -> int:
        rng, rows = self.rng, []
        grid_of = {}
        for h in households:
            grid_of[h.id] = h.dwelling.building.grid_id
        diligence = defaultdict(lambda: rng.uniform(0.72, 0.99))
        first = (self.today.replace(day=1) - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
        month = first
        while month <= self.today:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            last_day = min(following - dt.timedelta(days=1), self.today)
            span = (last_day - month).days
            elapsed = (span + 1) / ((following - month).days)
            for h in households:
                grid_id = grid_of[h.id]
                if rng.random() < diligence[grid_id] * elapsed:
                    day = month + dt.timedelta(days=rng.randint(0, span))
                    rows.append(
                        dict(
                            area_id=h.area_id,
                            household_id=h.id,
                            visitor_id=self._visitor(None, grid_id),
                            visited_at=self._when(day),
                            method=rng.choices(["door", "phone"], [85, 15])[0],
                            notes=rng.choice(
                                [
                                    "家中情况正常",
                                    "宣传防诈骗知识",
                                    "了解居住情况",
                                    "核实人口信息",
                                    "宣传消防安全",
                                    "征求居民意见",
                                ]
                            ),
                        )
                    )
            month = following
        person_home = {p.id: p.household for p in persons}
        for link in links:
            interval = link.tag.visit_interval_days or 30
            day = max(link.started_on, first) + dt.timedelta(days=rng.randint(0, interval))
            household = person_home[link.person_id]
            grid_id = grid_of[household.id]
            lapse = rng.random() < 0.12  # some follow-ups slip: they show up on the task list
            while day <= self.today - dt.timedelta(days=interval * 2 if lapse else 0):
                rows.append(
                    dict(
                        area_id=household.area_id,
                        household_id=household.id,
                        person_id=link.person_id,
                        visitor_id=self._visitor(None, grid_id),
                        visited_at=self._when(day),
                        notes=rng.choice(["身体状况良好", "生活物资充足", "思想稳定", "已落实帮扶措施"]),
                    )
                )
                day += dt.timedelta(days=max(1, interval + rng.randint(-2, 2)))
        now = timezone.now()
        return rows_insert(Visit, [v for v in rows if v["visited_at"] <= now])  # rows, not instances: 79,000


def clear(*, district: Area) -> None:
    """Remove the demo register of a district (rows PROTECT their areas, so a tree reset needs this first).

    The access log is append-only: a district whose persons were looked at keeps them (this raises).
    """
    under = {"area__code__startswith": district.code}
    for model in (VisitTask, Visit, PersonTag, ResidenceChange, ImportJob):
        field = "from_area__code__startswith" if model is ResidenceChange else "area__code__startswith"
        model.objects.filter(**{field: district.code}).delete()
    for model in (Person, Household, Place, Dwelling, Building):
        model.objects.filter(**under).delete()

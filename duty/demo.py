"""Demo: a year of duty rosters for the centre, every street and the first few communities, published, with
the last week's handovers, an approved swap and one awaiting the leader. Called by ``load_demo`` through
``grids.demo.load_app_demos`` (``DEMO_APPS``); everything goes through ``duty.services``, as a user's requests
would (each roster one bulk save)."""

import datetime as dt
import random

from django.utils import timezone

from grids.models import GRID_TEAM_ROLES, Area, Level, Membership, Role

from . import rota, services
from .models import Post, Shift

COMMUNITIES = 3
HAPPENINGS = [
    ("平稳，无突发情况。", ""),
    ("21:40 接居民电话反映 5 栋楼道灯不亮，已登记。", "5 栋楼道灯待物业明早维修，请跟进。"),
    ("巡查辖区两处在建工地，围挡完好。", ""),
    ("22:15 协助派出所处置一起邻里噪音纠纷，双方已调解。", "明日回访 3 栋 402 住户。"),
    ("接区中心通知：明日有大风降温，已转告各网格。", "明早检查户外广告牌。"),
]


def _members(area, roles):
    return list(
        Membership.objects.filter(area=area, role__in=roles, is_active=True)
        .order_by("user__username")
        .values_list("user_id", flat=True)
    )


def _grid_team(community):
    return list(
        Membership.objects.filter(
            area__parent=community, area__level=Level.GRID, role__in=GRID_TEAM_ROLES, is_active=True
        )
        .order_by("user__username")
        .values_list("user_id", flat=True)
    )


def _plans(district):
    """(unit, roster leader, shift leaders, duty officers) for each demo unit."""
    centre = _members(district, [Role.DISTRICT_CENTRE])
    heads = _members(district, [Role.LEADER_READONLY])
    plans = []
    if len(centre) >= 2:
        plans.append((district, centre[0], heads + centre[:1], centre[1:]))
    for street in Area.objects.filter(parent=district, level=Level.STREET, is_active=True).order_by("code"):
        staff = _members(street, [Role.STREET_STAFF])
        if len(staff) >= 2:
            plans.append((street, staff[0], staff[:1], staff[1:]))
    communities = Area.objects.filter(
        code__startswith=district.code, level=Level.COMMUNITY, is_active=True
    ).order_by("code")[:COMMUNITIES]
    for community in communities:
        staff, team = _members(community, [Role.COMMUNITY_STAFF]), _grid_team(community)
        if staff and team:
            plans.append((community, staff[0], staff, team))
    return plans


def build(*, district: Area, seed: int) -> dict:
    rng = random.Random(seed)
    today = timezone.localdate()
    month = today.month - 10
    starts_on = dt.date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    ends_on = starts_on + dt.timedelta(days=364)
    planner = Membership.objects.filter(area=district, role=Role.DISTRICT_CENTRE).order_by("user__username")
    actor = planner.select_related("user").first()
    if actor is None:
        return {"rosters": 0, "shifts": 0, "handovers": 0, "swaps": 0}
    rosters = []
    for unit, leader, leaders, officers in _plans(district):
        shifts = rota.rota_plan(
            unit=unit, starts_on=starts_on, ends_on=ends_on, leaders=leaders, officers=officers
        )
        roster = services.roster_save(
            actor=actor.user,
            unit=unit,
            starts_on=starts_on,
            ends_on=ends_on,
            leader=leader,
            shifts=shifts,
            title=f"{unit.name}{starts_on.year}—{ends_on.year}年度值班表",
        )
        rosters.append(services.roster_publish(actor=actor.user, roster_id=roster.pk))
    now = timezone.now()
    handovers = 0
    for roster in rosters:
        ended = (
            Shift.objects.filter(roster=roster, post=Post.OFFICER, ends_at__lte=now)
            .select_related("person")
            .order_by("-ends_at")[:4]
        )
        for shift in reversed(list(ended)):
            happened, open_matters = rng.choice(HAPPENINGS)
            services.handover_write(
                actor=shift.person,
                shift_id=shift.pk,
                happened=happened,
                open_matters=open_matters,
                at=shift.ends_at,
            )
            handovers += 1
    swaps = _swaps(rosters, now)
    total = sum(r.shifts_count for r in rosters)
    return {"rosters": len(rosters), "shifts": total, "handovers": handovers, "swaps": swaps}


def _swaps(rosters, now) -> int:
    """In the first community: one swap approved, one awaiting its leader."""
    community = next((r for r in rosters if len(r.unit_code) == 12), None)
    if community is None:
        return 0
    ahead = list(
        Shift.objects.filter(roster=community, post=Post.OFFICER, starts_at__gt=now + dt.timedelta(days=2))
        .select_related("person")
        .order_by("starts_at")[:12]
    )
    made = 0
    for shift, approve in ((ahead[0], True), (ahead[3], False)) if len(ahead) > 3 else ():
        substitute = next(
            (
                s.person
                for s in ahead
                if s.person_id != shift.person_id and abs(s.starts_at - shift.starts_at).days >= 1
            ),
            None,
        )
        if substitute is None:
            continue
        swap = services.swap_request(
            actor=shift.person,
            shift_id=shift.pk,
            substitute=substitute,
            reason="家中老人住院需陪护" if approve else "当晚参加街道培训",
        )
        if approve:
            services.swap_approve(actor=community.leader, swap_id=swap.pk)
        made += 1
    return made


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    result = build(district=district, seed=seed)
    stdout.write(
        f"Duty: {result['rosters']} rosters a year long, {result['shifts']} shifts, "
        f"{result['handovers']} handovers, {result['swaps']} swaps"
    )

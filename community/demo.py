"""Demo: every community's "1+X" teams (police, stairwell leaders, liaisons, party members with 双报到,
grid workers, a party branch per grid), points rules, a rewards catalogue, a dozen volunteers each from the
residents' register, and a year of activities with check-ins, points and redemptions — written in bulk, with
the ledger through ``services.ledger_append`` (the one writer: chain, balances, monthly tallies). Called by
``load_demo`` through ``grids.demo.load_app_demos`` (``DEMO_APPS``)."""

import datetime as dt
import random

from django.utils import timezone

from cases.models import Category
from grids.models import Area, Level, Membership, Role
from residents.models import Person

from . import services
from .models import (
    Activity,
    ActivityType,
    CouncilRole,
    EntryKind,
    FollowUp,
    Participation,
    PartyBranch,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    TeamMember,
    TeamRole,
    Volunteer,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽华", "海燕", "伟", "敏", "军", "静", "磊", "芳"]
RULES = [  # (type, per attendance, per hour)
    (ActivityType.PATROL, 5, 10),
    (ActivityType.CLEANUP, 5, 8),
    (ActivityType.ELDERLY, 10, 10),
    (ActivityType.PUBLICITY, 3, 5),
]
TITLES = {
    ActivityType.PATROL: ["平安巡逻", "夜间巡逻", "节前安全巡查"],
    ActivityType.CLEANUP: ["小区环境大扫除", "楼道杂物清理", "垃圾分类督导"],
    ActivityType.ELDERLY: ["关爱独居老人上门探访", "重阳节敬老活动"],
    ActivityType.PUBLICITY: ["反诈宣传进小区", "防汛知识宣传"],
}
REWARDS = [("大米 5kg", 120, 40), ("食用油 1.8L", 80, 50), ("洗衣液", 50, 60), ("理发服务券", 30, 100)]
PLACES = ["社区广场", "3栋楼下", "北门岗亭", "党群服务中心", "小区花园"]
VOLUNTEERS_PER_COMMUNITY = 12
COUNCIL_AGENDA = [
    ["3栋楼下非机动车乱停放、飞线充电", "小区北门道闸故障（居民反映）", "公共收益使用情况通报"],
    ["老旧小区加装电梯意见征集", "广场舞噪音扰民协调"],
]
COUNCIL_MINUTES = [
    "社区党委主持，物业、业委会、居民代表参加。围绕电动车充电难、飞线充电隐患展开讨论，物业介绍了场地和费用"
    "测算，居民代表反映老人出行不便；道闸故障由物业当场承诺一周内修复。",
    "社区党委主持。各方就1栋加装电梯的费用分摊和低楼层住户意见进行讨论；广场舞活动时间经协商调整。",
]
COUNCIL_DECISIONS = [  # (decision, follow-up, who)
    [
        ("在3栋东侧建设电动车集中充电棚，费用由小区公共收益列支", "联系供电公司勘查线路并报价", "物业公司"),
        ("北门道闸一周内修复，期间安排人员值守", "更换道闸控制板", "物业公司"),
    ],
    [
        ("1栋加装电梯进入公示征求意见阶段", "张贴公示并收集低楼层住户书面意见", "居民代表"),
        ("广场舞活动时间调整为19:00—20:30，音量限值60分贝", "与舞蹈队签订文明公约", "社区居委会"),
    ],
]


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng):
    return f"0731-8{rng.randint(1000000, 9999999)}"


class _Builder:
    def __init__(self, district, seed):
        self.rng = random.Random(seed * 104729 + 20)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.communities = list(
            Area.objects.filter(
                level=Level.COMMUNITY, code__startswith=district.code, is_active=True
            ).order_by("code")
        )
        self.desk = {
            m.area_id: m.user
            for m in Membership.objects.filter(
                role=Role.COMMUNITY_STAFF, area__in=self.communities, is_active=True
            )
            .select_related("user")
            .order_by("-user_id")
        }

    def run(self) -> dict:
        counts = {"team members": self.teams()}
        rules, rewards = self.catalogues()
        volunteers = self.volunteers()
        counts["volunteers"] = len(volunteers)
        counts.update(self.year(volunteers, rules, rewards))
        counts["councils"] = self.councils()
        return counts

    def councils(self) -> int:
        """Two communities' four-party councils (四方议事会), each with a meeting: the first's decisions
        published to the residents, the second's recorded and waiting to be published."""
        made = 0
        for k, community in enumerate([c for c in self.communities if c.pk in self.desk][:2]):
            desk = self.desk[community.pk]
            staff = TeamMember.objects.filter(
                area__code__startswith=community.code, role=TeamRole.PROPERTY_STAFF
            ).first()
            resident = Person.objects.filter(area__code__startswith=community.code).order_by("id").first()
            members = [
                {"role": CouncilRole.PARTY, "name": _name(self.rng) + "书记", "organisation": "社区党委"},
                {
                    "role": CouncilRole.PROPERTY,
                    "team_member": staff,
                    "name": "" if staff else _name(self.rng),
                },
                {"role": CouncilRole.OWNERS, "name": _name(self.rng), "organisation": "业主委员会"},
                {
                    "role": CouncilRole.RESIDENTS,
                    "person": resident,
                    "name": "" if resident else _name(self.rng),
                },
                {"role": CouncilRole.RESIDENTS, "name": _name(self.rng)},
                {"role": CouncilRole.OTHER, "name": _name(self.rng), "organisation": "社区律师"},
            ]
            council = services.council_create(
                actor=desk, area=community, name=f"{community.name}四方议事会", members=members
            )
            present = list(council.members.order_by("id"))[:5]
            meeting = services.meeting_hold(
                actor=desk,
                council=council,
                held_at=self.now - dt.timedelta(days=10 + 7 * k),
                place="党群服务中心二楼会议室",
                present=present,
                agenda=[{"text": t} for t in COUNCIL_AGENDA[k]],
                minutes=COUNCIL_MINUTES[k],
            )
            for j, (text, what, who) in enumerate(COUNCIL_DECISIONS[k]):
                votes = {str(m.pk): "for" for m in present}
                if j:
                    votes[str(present[-1].pk)] = "against"
                    votes[str(present[-2].pk)] = "abstain"
                services.decision_record(
                    actor=desk,
                    meeting=meeting,
                    text=text,
                    votes=votes,
                    follow_ups=[
                        {"what": what, "who": who, "deadline": self.now.date() + dt.timedelta(days=20)}
                    ],
                )
            if k == 0:
                services.decisions_publish(actor=desk, meeting=meeting)
                self.follow_up_as_case(desk, meeting)
            made += 1
        return made

    def follow_up_as_case(self, desk, meeting) -> None:
        """The first council's first follow-up carried out as a case of its first grid (issue 20: linked
        both ways, the meeting's page follows the case's status)."""
        action = FollowUp.objects.filter(decision__meeting=meeting).order_by("id").first()
        grids = services.grids_concerned(meeting.council)
        category = Category.objects.filter(is_active=True, parent__isnull=False).order_by("code").first()
        if action is not None and grids and category is not None:
            services.follow_up_to_case(actor=desk, follow_up=action, category=category, grid=grids[0])

    def teams(self) -> int:
        grids = list(
            Area.objects.filter(level=Level.GRID, parent__in=self.communities, is_active=True).order_by(
                "code"
            )
        )
        rng = self.rng
        branches = PartyBranch.objects.bulk_create(
            [PartyBranch(area=g, name=f"{g.name}党支部", secretary=_name(rng)) for g in grids]
        )
        workers = {}
        for m in Membership.objects.filter(
            area__in=grids, role=Role.GRID_WORKER, is_active=True
        ).select_related("user"):
            workers.setdefault(m.area_id, m.user)
        rows = []
        for grid, branch in zip(grids, branches):
            worker = workers.get(grid.pk)
            rows += [
                TeamMember(
                    area=grid,
                    role=TeamRole.COMMUNITY_POLICE,
                    name=_name(rng) + "警官",
                    work_phone=_phone(rng),
                    duty="警格民警：治安、矛盾纠纷",
                ),
                TeamMember(
                    area=grid,
                    role=TeamRole.GRID_WORKER_FULL,
                    name=(worker.display_name or worker.username) if worker else _name(rng),
                    work_phone=_phone(rng),
                    duty="专职网格员",
                ),
                TeamMember(
                    area=grid,
                    role=TeamRole.GRID_WORKER_PART,
                    name=_name(rng),
                    work_phone=_phone(rng),
                    duty="兼职网格员（楼栋）",
                ),
                TeamMember(
                    area=grid,
                    role=TeamRole.PROPERTY_STAFF,
                    name=_name(rng),
                    work_phone=_phone(rng),
                    duty="物业管家",
                ),
                TeamMember(
                    area=grid,
                    role=TeamRole.PARTY_MEMBER,
                    name=_name(rng),
                    branch=branch,
                    dual_registered=True,
                    work_unit=rng.choice(["区税务局", "区教育局", "区人民医院"]),
                    on_public_card=False,
                ),
                TeamMember(
                    area=grid,
                    role=TeamRole.PARTY_MEMBER,
                    name=_name(rng),
                    branch=branch,
                    on_public_card=False,
                ),
            ]
            for _b in range(2):
                rows.append(
                    TeamMember(
                        area=grid,
                        role=TeamRole.STAIRWELL_LEADER,
                        name=_name(rng),
                        work_phone=_phone(rng),
                        building=f"{rng.randint(1, 20)}栋",
                    )
                )
        TeamMember.objects.bulk_create(rows)
        return len(rows)

    def catalogues(self):
        rules = PointRule.objects.bulk_create(
            [
                PointRule(community=c, activity_type=t, points_per_attendance=a, points_per_hour=h)
                for c in self.communities
                for t, a, h in RULES
            ]
        )
        rewards = Reward.objects.bulk_create(
            [
                Reward(community=c, name=n, points_cost=p, stock=s)
                for c in self.communities
                for n, p, s in REWARDS
            ]
        )
        return (
            {(r.community_id, r.activity_type): r for r in rules},
            {c.pk: [r for r in rewards if r.community_id == c.pk] for c in self.communities},
        )

    def volunteers(self):
        rows = []
        start = self.now - dt.timedelta(days=400)
        for community in self.communities:
            persons = list(
                Person.objects.filter(
                    area__code__startswith=community.code,
                    status=Person.Status.RESIDENT,
                    birth_date__isnull=False,
                )
                .select_related("area")
                .order_by("id")[: VOLUNTEERS_PER_COMMUNITY * 3 : 3]
            )
            for i, person in enumerate(persons):
                rows.append(
                    Volunteer(
                        community=community,
                        area=person.area,
                        area_code=person.area.code,
                        person=person,
                        is_liaison=i < 2,
                        skills=self.rng.choice(["水电维修", "理发", "文艺", "法律咨询", "驾驶", ""]),
                        availability=self.rng.choice(["周末上午", "工作日晚上", "随时", ""]),
                        registered_at=start,
                    )
                )
        return Volunteer.objects.bulk_create(rows)

    def year(self, volunteers, rules, rewards) -> dict:
        rng, now = self.rng, self.now
        by_community: dict[int, list] = {}
        for v in volunteers:
            by_community.setdefault(v.community_id, []).append(v)
        activities, planned = [], []
        for community in self.communities:
            members = by_community.get(community.pk, [])
            if not members:
                continue
            for k in range(13):
                kind = rng.choice([t for t, _a, _h in RULES])
                days_ago = 350 - k * 29 if k < 12 else -3  # monthly; the last one is next week, open
                day = timezone.localtime(now - dt.timedelta(days=days_ago)).replace(
                    hour=rng.choice([9, 14, 19]), minute=0
                )
                hours = rng.choice([2, 2, 3])
                activity = Activity(
                    community=community,
                    activity_type=kind,
                    title=rng.choice(TITLES[kind]),
                    place=rng.choice(PLACES),
                    starts_at=day,
                    ends_at=day + dt.timedelta(hours=hours),
                    capacity=10,
                    status=Activity.Status.COMPLETED if days_ago > 0 else Activity.Status.OPEN,
                    created_by=self.desk.get(community.pk),
                    created_at=day - dt.timedelta(days=7),
                )
                activities.append(activity)
                planned.append(rng.sample(members, k=min(len(members), rng.randint(5, 9))))
        Activity.objects.bulk_create(activities)
        participations = []
        for activity, people in zip(activities, planned):
            rule = rules[(activity.community_id, activity.activity_type)]
            for v in people:
                done = activity.status == Activity.Status.COMPLETED
                late = dt.timedelta(minutes=rng.choice([0, 0, 0, 30, 60]))
                p = Participation(
                    activity=activity,
                    volunteer=v,
                    signed_up_at=activity.starts_at - dt.timedelta(days=2),
                    checked_in_at=activity.starts_at + late - dt.timedelta(minutes=10) if done else None,
                )
                if done:
                    p.hours = services.hours_served(p, activity)
                    p.points = rule.points_per_attendance + int(rule.points_per_hour * p.hours)
                participations.append(p)
        Participation.objects.bulk_create(participations)
        return self.ledger(participations, rewards)

    def ledger(self, participations, rewards) -> dict:
        """Earnings in time order; now and then a volunteer whose balance allows it redeems at the desk."""
        rng = self.rng
        earned = sorted(
            (p for p in participations if p.points),
            key=lambda p: (p.activity.ends_at, p.pk),
        )
        balance: dict[int, int] = {}
        entries, redemptions = [], []
        for n, p in enumerate(earned):
            v, activity = p.volunteer, p.activity
            entries.append(
                PointEntry(
                    volunteer_id=v.pk,
                    kind=EntryKind.EARN,
                    points=p.points,
                    at=activity.ends_at,
                    actor=self.desk.get(v.community_id),
                    reason=activity.title,
                    participation=p,
                )
            )
            balance[v.pk] = balance.get(v.pk, 0) + p.points
            choice = rng.choice(rewards[v.community_id])
            desk = self.desk.get(v.community_id)
            if desk and balance[v.pk] >= choice.points_cost * 2 and rng.random() < 0.25 and choice.stock > 0:
                at = activity.ends_at + dt.timedelta(days=1, hours=1)
                r = Redemption(
                    volunteer=v,
                    reward=choice,
                    quantity=1,
                    points=choice.points_cost,
                    at=at,
                    actor=desk,
                    request_token=f"demo-{n}",
                    fingerprint="demo",
                )
                choice.stock -= 1
                redemptions.append(r)
                balance[v.pk] -= choice.points_cost
                entries.append(
                    PointEntry(
                        volunteer_id=v.pk,
                        kind=EntryKind.REDEEM,
                        points=-r.points,
                        at=at,
                        actor=desk,
                        reason=f"{choice.name} × 1",
                        redemption=r,
                    )
                )
        Redemption.objects.bulk_create(redemptions)
        for e in entries:  # hashed with the redemption's id, which exists only now
            if e.redemption is not None:
                e.redemption_id = e.redemption.pk
        Reward.objects.bulk_update([r for rs in rewards.values() for r in rs], ["stock"])
        entries.sort(key=lambda e: (e.at, e.kind != EntryKind.EARN))
        services.ledger_append(entries)
        return {
            "activities": len({p.activity_id for p in participations}),
            "point entries": len(entries),
            "redemptions": len(redemptions),
        }


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    counts = _Builder(district, seed).run()
    stdout.write("community: " + ", ".join(f"{n} {label}" for label, n in counts.items()))

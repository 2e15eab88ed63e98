"""Demo: a few notices (通知公告) from the centre, a street and a community, to staff, grid workers and
residents, with some read receipts. Called by ``load_demo`` through ``grids.demo.load_app_demos``
(``DEMO_APPS``); everything goes through ``notices.services``, as a user's requests would."""

import datetime as dt
import random

from django.utils import timezone

from grids.models import Area, Level, Membership, Role

from . import selectors, services
from .models import Audience, NoticeReceipt

NOTICES = [
    # (sender level, audience, title, body, days ago)
    (
        Level.DISTRICT,
        Audience.STAFF,
        "关于做好年末安全生产检查的通知",
        "各街道、社区：请于本月 20 日前完成辖区安全生产检查，并通过系统报送检查结果。",
        3,
    ),
    (
        Level.DISTRICT,
        Audience.PUBLIC,
        "冬季燃气使用安全提示",
        "天气转冷，请居民使用燃气时保持通风，发现燃气泄漏请立即关阀开窗，拨打 96577 报修。",
        2,
    ),
    (
        Level.STREET,
        Audience.GRID_WORKERS,
        "网格员业务培训安排",
        "本周五下午 2 点在街道二楼会议室进行网格事项准入清单培训，请全体网格员参加。",
        1,
    ),
    (
        Level.COMMUNITY,
        Audience.PUBLIC,
        "小区停水通知",
        "因管网维修，本周六 8:00—14:00 停水，请居民提前储水。",
        0,
    ),
]


def _sender(district: Area, level: str, role: str):
    return (
        Membership.objects.filter(
            role=role, area__level=level, area__code__startswith=district.code, is_active=True
        )
        .select_related("user", "area")
        .order_by("area__code", "user_id")
        .first()
    )


ROLE_AT = {
    Level.DISTRICT: Role.DISTRICT_CENTRE,
    Level.STREET: Role.STREET_STAFF,
    Level.COMMUNITY: Role.COMMUNITY_STAFF,
}


def build(*, district: Area, seed: int) -> dict:
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    published, receipts = 0, []
    for level, audience, title, body, days in NOTICES:
        member = _sender(district, level, ROLE_AT[level])
        if member is None:
            continue
        notice = services.notice_publish(
            sender=member.user,
            audience=audience,
            area=member.area,
            title=title,
            body=body,
            published_at=now - dt.timedelta(days=days, hours=1),
        )
        published += 1
        if audience != Audience.PUBLIC:
            for person in selectors.addressed_people(notice):
                if rng.random() < 0.6:
                    receipts.append(
                        NoticeReceipt(
                            notice=notice, user=person, read_at=now - dt.timedelta(hours=rng.randint(0, 20))
                        )
                    )
    NoticeReceipt.objects.bulk_create(receipts)
    return {"notices": published, "receipts": len(receipts)}


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    result = build(district=district, seed=seed)
    stdout.write(f"Notices: {result['notices']} notices, {result['receipts']} read receipts")

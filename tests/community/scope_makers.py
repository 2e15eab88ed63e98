"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

import itertools
from datetime import timedelta

_seq = itertools.count(1)


def _root():
    from grids.models import User

    user, _ = User.objects.get_or_create(username="community-scope-root", defaults={"is_superuser": True})
    return user


def _volunteer(tree, i):
    from community import services
    from residents.models import Person

    person = Person.objects.create(area=tree.grids[i], name=f"志愿者{next(_seq)}")
    return services.volunteer_register(actor=_root(), person=person, skills="巡逻")


def _rule(tree, i):
    from community import services

    return services.point_rule_set(
        actor=_root(), community=tree.grids[i].parent, activity_type="patrol", points_per_hour=10
    )


def _activity(tree, i):
    from django.utils import timezone

    from community import services

    _rule(tree, i)
    start = timezone.now() - timedelta(hours=3)
    return services.activity_create(
        actor=_root(),
        community=tree.grids[i].parent,
        activity_type="patrol",
        title=f"巡逻{next(_seq)}",
        place="广场",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


def _reward(tree, i):
    from community import services

    return services.reward_add(
        actor=_root(), community=tree.grids[i].parent, name="大米", points_cost=5, stock=9
    )


def _entry(tree, i):
    from community import services

    return services.points_adjust(actor=_root(), volunteer=_volunteer(tree, i), points=20, reason="补录")


def _redemption(tree, i):
    from community import services

    entry = _entry(tree, i)
    reward = services.reward_add(
        actor=_root(), community=tree.grids[i].parent, name="毛巾", points_cost=5, stock=9
    )
    return services.reward_redeem(
        actor=_root(),
        volunteer=entry.volunteer,
        reward=reward,
        request_token=f"scope-{next(_seq)}",
    )


def _member(tree, i):
    from community import services

    return services.team_member_add(
        actor=_root(), area=tree.grids[i], role="community_police", name="王警官", work_phone="0731-110"
    )


def _branch(tree, i):
    from community import services

    return services.party_branch_create(actor=_root(), area=tree.grids[i], name=f"第{i}网格党支部")


def _council(tree, i):
    from community import services

    return services.council_create(
        actor=_root(),
        area=tree.grids[i].parent,
        name=f"四方议事会{next(_seq)}",
        members=[
            {"role": "party", "name": "刘书记"},
            {"role": "property", "name": "陈经理"},
            {"role": "owners", "name": "周主任"},
        ],
    )


def _meeting(tree, i):
    from django.utils import timezone

    from community import services

    council = _council(tree, i)
    return services.meeting_hold(
        actor=_root(),
        council=council,
        held_at=timezone.now() - timedelta(days=1),
        place="会议室",
        present=list(council.members.all()),
        agenda=[{"text": "停车"}],
    )


MAKERS = {
    "community-team-member": lambda tree, i: _member(tree, i).pk,
    "community-party-branch": lambda tree, i: _branch(tree, i).pk,
    "community-volunteer": lambda tree, i: _volunteer(tree, i).pk,
    "community-point-entry": lambda tree, i: _entry(tree, i).pk,
    "community-point-rule": lambda tree, i: _rule(tree, i).pk,
    "community-reward": lambda tree, i: _reward(tree, i).pk,
    "community-activity": lambda tree, i: _activity(tree, i).pk,
    "community-redemption": lambda tree, i: _redemption(tree, i).pk,
    "community-council": lambda tree, i: _council(tree, i).pk,
    "community-meeting": lambda tree, i: _meeting(tree, i).pk,
}
EXEMPT: dict[str, str] = {}

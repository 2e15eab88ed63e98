from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from community import selectors, services
from community.models import Activity, MonthlyPoints, PointEntry, Redemption
from gridgov import audit_chain
from residents.models import Person

from .conftest import SAT_9, earn

pytestmark = pytest.mark.django_db


# -- the team ----------------------------------------------------------------------------------------------


def test_it_seats_team_members_with_work_phones_and_party_branches(tree):
    branch = services.party_branch_create(
        actor=tree.users["worker"], area=tree.grids[0], name="第一网格党支部"
    )
    member = services.team_member_add(
        actor=tree.users["worker"],
        area=tree.grids[0],
        role="party_member",
        name="赵敏",
        work_phone="0731-5555",
        dual_registered=True,
        work_unit="区税务局",
        branch=branch,
    )
    assert member.branch == branch and member.dual_registered
    assert list(selectors.public_team(tree.grids[0])) == [member]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"role": "chief"}, "role"),
        ({"name": " "}, "name"),
        ({"dual_registered": True, "work_unit": "区税务局"}, "dual_registered"),
        ({"role": "party_member", "dual_registered": True}, "work_unit"),
        ({"work_phone": "call me"}, "work_phone"),
    ],
)
def test_it_refuses_a_bad_team_member_next_to_the_field(tree, extra, field):
    data = {"role": "stairwell_leader", "name": "钱伟", **extra}
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(actor=tree.users["worker"], area=tree.grids[0], **data)
    assert field in exc.value.message_dict


def test_it_refuses_a_branch_of_another_grid(tree):
    other = services.party_branch_create(actor=tree.users["worker2"], area=tree.grids[1], name="第二支部")
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(
            actor=tree.users["worker"], area=tree.grids[0], role="party_member", name="孙", branch=other
        )
    assert "branch" in exc.value.message_dict


def test_it_lets_only_the_grid_team_add_to_a_grid(tree):
    with pytest.raises(PermissionDenied):
        services.team_member_add(actor=tree.users["worker"], area=tree.grids[1], role="volunteer", name="周")
    with pytest.raises(ValidationError):
        services.team_member_add(
            actor=tree.users["community"], area=tree.communities[0], role="volunteer", name="周"
        )


def test_it_keeps_retired_members_off_the_public_card(tree):
    member = services.team_member_add(
        actor=tree.users["worker"], area=tree.grids[0], role="liaison", name="吴"
    )
    hidden = services.team_member_add(
        actor=tree.users["worker"], area=tree.grids[0], role="liaison", name="郑", on_public_card=False
    )
    services.team_member_retire(actor=tree.users["worker"], member=member)
    assert member not in selectors.public_team(tree.grids[0])
    assert hidden not in selectors.public_team(tree.grids[0])


# -- volunteers --------------------------------------------------------------------------------------------


def test_it_registers_a_resident_once_per_community(tree, person, volunteer):
    assert volunteer.community == tree.communities[0] and volunteer.area_code == tree.grids[0].code
    with pytest.raises(ValidationError) as exc:
        services.volunteer_register(actor=tree.users["worker"], person=person)
    assert "person" in exc.value.message_dict


def test_it_refuses_a_person_outside_the_community_or_moved_out(tree):
    elsewhere = Person.objects.create(area=tree.grids[2], name="外区")
    with pytest.raises(ValidationError):
        services.volunteer_register(actor=tree.users["community"], person=elsewhere, area=tree.grids[0])
    gone = Person.objects.create(
        area=tree.grids[0], name="搬走", status="moved_out", moved_out_on="2026-01-01"
    )
    with pytest.raises(ValidationError):
        services.volunteer_register(actor=tree.users["worker"], person=gone)


def test_it_refuses_a_registration_by_a_worker_of_another_grid(tree, person):
    with pytest.raises(PermissionDenied):
        services.volunteer_register(actor=tree.users["worker2"], person=person)


def test_it_signs_the_volunteer_link(volunteer):
    token = services.volunteer_token(volunteer)
    assert services.volunteer_for_token(token) == volunteer
    assert services.volunteer_for_token(token + "x") is None
    assert services.volunteer_for_token(f"{volunteer.pk + 1}:{token.split(':')[1]}") is None


# -- rules and activities ----------------------------------------------------------------------------------


def test_it_lets_only_the_desk_set_rules(tree):
    with pytest.raises(PermissionDenied):
        services.point_rule_set(
            actor=tree.users["worker"],
            community=tree.communities[0],
            activity_type="patrol",
            points_per_hour=5,
        )
    with pytest.raises(PermissionDenied):
        services.point_rule_set(
            actor=tree.users["community"],
            community=tree.communities[2],
            activity_type="patrol",
            points_per_hour=5,
        )
    with pytest.raises(ValidationError):
        services.point_rule_set(
            actor=tree.users["community"], community=tree.communities[0], activity_type="patrol"
        )


def test_it_changes_a_rule_in_place(tree, rule):
    again = services.point_rule_set(
        actor=tree.users["community"],
        community=tree.communities[0],
        activity_type="patrol",
        points_per_hour=20,
    )
    assert again.pk == rule.pk and again.points_per_hour == 20 and again.points_per_attendance == 0


def test_it_needs_a_rule_before_an_activity(tree, frozen):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=tree.users["community"],
            community=tree.communities[0],
            activity_type="cleanup",
            title="扫除",
            place="广场",
            starts_at=SAT_9,
            ends_at=SAT_9 - timedelta(hours=1),
        )
    assert {"activity_type", "ends_at"} <= set(exc.value.message_dict)
    assert not Activity.objects.exists()


def test_it_walks_sign_up_check_in_and_awards_points_by_the_rule(tree, volunteer, activity, frozen):
    p = services.activity_sign_up(volunteer=volunteer, activity=activity)
    assert services.activity_sign_up(volunteer=volunteer, activity=activity) == p  # once
    with pytest.raises(ValidationError):  # too early: more than an hour before the start
        services.participation_check_in(participation=p)
    frozen.move_to(SAT_9 + timedelta(minutes=30))
    services.participation_check_in(participation=p)
    with pytest.raises(ValidationError):  # not ended yet
        services.activity_complete(actor=tree.users["community"], activity=activity)
    frozen.move_to(SAT_9 + timedelta(hours=3))
    services.activity_complete(actor=tree.users["community"], activity=activity)
    p.refresh_from_db()
    volunteer.refresh_from_db()
    assert p.hours == Decimal("1.5") and p.points == 5 + 15
    assert volunteer.balance == 20
    entry = PointEntry.objects.get()
    assert (entry.kind, entry.points, entry.balance_after, entry.participation) == ("earn", 20, 20, p)
    assert MonthlyPoints.objects.get(volunteer=volunteer).earned == 20
    with pytest.raises(ValidationError):  # a second completion awards nothing twice
        services.activity_complete(actor=tree.users["community"], activity=activity)
    assert PointEntry.objects.count() == 1


def test_it_awards_nothing_to_who_did_not_check_in(tree, volunteer, activity, frozen):
    services.activity_sign_up(volunteer=volunteer, activity=activity)
    frozen.move_to(SAT_9 + timedelta(hours=3))
    services.activity_complete(actor=tree.users["community"], activity=activity)
    assert not PointEntry.objects.exists()


def test_it_refuses_check_in_after_the_end_and_sign_up_when_full(tree, volunteer, activity, frozen):
    others = [
        services.volunteer_register(
            actor=tree.users["worker"], person=Person.objects.create(area=tree.grids[0], name=f"人{i}")
        )
        for i in range(2)
    ]
    p = services.activity_sign_up(volunteer=volunteer, activity=activity)
    services.activity_sign_up(volunteer=others[0], activity=activity)
    with pytest.raises(ValidationError, match=r"full|满"):
        services.activity_sign_up(volunteer=others[1], activity=activity)
    frozen.move_to(SAT_9 + timedelta(hours=2, minutes=1))
    with pytest.raises(ValidationError):
        services.participation_check_in(participation=p)


def test_it_refuses_an_activity_of_another_community(tree, activity, frozen):
    stranger = services.volunteer_register(
        actor=tree.users["community_b"], person=Person.objects.create(area=tree.grids[4], name="他区")
    )
    with pytest.raises(ValidationError):
        services.activity_sign_up(volunteer=stranger, activity=activity)


def test_it_refuses_staff_check_in_outside_their_grid(tree, volunteer, activity, frozen):
    p = services.activity_sign_up(volunteer=volunteer, activity=activity)
    frozen.move_to(SAT_9)
    with pytest.raises(PermissionDenied):
        services.participation_check_in(participation=p, actor=tree.users["community_b"])
    services.participation_check_in(participation=p, actor=tree.users["worker"])


# -- the ledger --------------------------------------------------------------------------------------------


def test_it_adjusts_with_a_reason_and_never_below_zero(tree, volunteer):
    with pytest.raises(ValidationError) as exc:
        services.points_adjust(actor=tree.users["community"], volunteer=volunteer, points=0, reason="")
    assert {"points", "reason"} <= set(exc.value.message_dict)
    earn(tree, volunteer, 30)
    with pytest.raises(ValidationError):
        services.points_adjust(actor=tree.users["community"], volunteer=volunteer, points=-31, reason="更正")
    volunteer.refresh_from_db()
    assert volunteer.balance == 30 and PointEntry.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.points_adjust(actor=tree.users["worker"], volunteer=volunteer, points=5, reason="x")


def test_it_keeps_the_ledger_append_only_and_chained(tree, volunteer):
    entry = earn(tree, volunteer, 30)
    earn(tree, volunteer, -10)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        PointEntry.objects.filter(pk=entry.pk).update(points=999)
    with pytest.raises(PermissionError):
        entry.delete()
    assert audit_chain.breaks(["point_entries"]) == []
    PointEntry.objects.filter(pk=entry.pk).values("points")  # reads are fine
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE community_pointentry SET points = 999 WHERE id = %s", [entry.pk])
    assert [b.kind for b in audit_chain.breaks(["point_entries"])] == ["altered"]


def test_it_redeems_at_the_desk_within_balance_and_stock(tree, volunteer, reward):
    earn(tree, volunteer, 25)
    r = services.reward_redeem(
        actor=tree.users["community"], volunteer=volunteer, reward=reward, quantity=2, request_token="t1"
    )
    volunteer.refresh_from_db()
    reward.refresh_from_db()
    assert (r.points, volunteer.balance, reward.stock) == (20, 5, 1)
    entry = PointEntry.objects.filter(kind="redeem").get()
    assert entry.points == -20 and entry.redemption == r and entry.balance_after == 5
    # the month's earnings are not lowered by spending
    assert MonthlyPoints.objects.get(volunteer=volunteer).earned == 25


def test_it_refuses_a_redemption_over_the_balance(tree, volunteer, reward):
    earn(tree, volunteer, 15)
    with pytest.raises(ValidationError) as exc:
        services.reward_redeem(
            actor=tree.users["community"], volunteer=volunteer, reward=reward, quantity=2, request_token="t"
        )
    assert "quantity" in exc.value.message_dict
    reward.refresh_from_db()
    volunteer.refresh_from_db()
    assert (reward.stock, volunteer.balance, Redemption.objects.count()) == (3, 15, 0)


def test_it_refuses_a_redemption_over_the_stock(tree, volunteer, reward):
    earn(tree, volunteer, 100)
    with pytest.raises(ValidationError, match="3"):
        services.reward_redeem(
            actor=tree.users["community"], volunteer=volunteer, reward=reward, quantity=4, request_token="t"
        )
    volunteer.refresh_from_db()
    assert volunteer.balance == 100 and not Redemption.objects.exists()


def test_it_applies_a_double_submitted_redemption_once(tree, volunteer, reward):
    earn(tree, volunteer, 100)
    first = services.reward_redeem(
        actor=tree.users["community"], volunteer=volunteer, reward=reward, request_token="same"
    )
    again = services.reward_redeem(
        actor=tree.users["community"], volunteer=volunteer, reward=reward, request_token="same"
    )
    assert again == first
    volunteer.refresh_from_db()
    assert volunteer.balance == 90 and PointEntry.objects.filter(kind="redeem").count() == 1
    with pytest.raises(ValidationError) as exc:  # the same token for a different redemption
        services.reward_redeem(
            actor=tree.users["community"],
            volunteer=volunteer,
            reward=reward,
            quantity=2,
            request_token="same",
        )
    assert "request_token" in exc.value.message_dict


def test_it_refuses_a_reward_of_another_community(tree, volunteer):
    theirs = services.reward_add(
        actor=tree.users["community_b"], community=tree.communities[2], name="油", points_cost=1, stock=5
    )
    earn(tree, volunteer, 10)
    with pytest.raises(ValidationError) as exc:
        services.reward_redeem(
            actor=tree.users["community"], volunteer=volunteer, reward=theirs, request_token="x"
        )
    assert "reward" in exc.value.message_dict


def test_it_keeps_the_balance_column_from_going_negative_in_the_database(volunteer):
    from community.models import Volunteer

    with pytest.raises(IntegrityError):
        Volunteer.objects.filter(pk=volunteer.pk).update(balance=-1)


def test_it_ranks_a_month_from_the_tallies_as_the_ledger_sums(tree, volunteer, frozen):
    other = services.volunteer_register(
        actor=tree.users["worker2"], person=Person.objects.create(area=tree.grids[1], name="王")
    )
    earn(tree, volunteer, 10)
    earn(tree, other, 30)
    earn(tree, volunteer, 5)
    month = SAT_9.date()
    rows = selectors.ranking(area_code=tree.district.code, month=month)
    assert [(r["name"], r["earned"], r["rank"]) for r in rows] == [("王", 30, 1), ("李桂英", 15, 2)]
    assert selectors.earned_in_month_from_ledger(area_code=tree.district.code, month=month) == 45
    assert selectors.ranking(area_code=tree.grids[0].code, month=month)[0]["name"] == "李桂英"
    assert selectors.ranking(area_code=tree.district.code, month=month.replace(month=10)) == []


def test_it_reads_a_balance_and_ranking_in_queries_that_do_not_grow(
    tree, volunteer, django_assert_num_queries
):
    for i in range(30):
        earn(tree, volunteer, i + 1)
    with django_assert_num_queries(1):
        selectors.ranking(area_code=tree.district.code, month=SAT_9.date().replace(day=1))

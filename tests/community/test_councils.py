"""Deliberation councils (议事会 / 四方议事): forming, meetings with quorum, decisions with votes, the public
notice of the decisions; scope for owner, member and stranger; the API and the pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from community import services
from community.models import CouncilEvent, Decision, Meeting
from gridgov import audit_chain
from grids.scope import scoped
from notices.models import Notice
from notices.selectors import public_notices
from residents.models import Person

from .test_api import client_for

pytestmark = pytest.mark.django_db

FOUR = [
    {"role": "party", "name": "刘书记", "organisation": "社区党委"},
    {"role": "property", "name": "陈经理", "organisation": "绿城物业"},
    {"role": "owners", "name": "周主任"},
    {"role": "residents", "name": "李桂英"},
]


@pytest.fixture
def council(tree):
    return services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="四方议事会", members=FOUR
    )


def _hold(tree, council, present=3, **extra):
    members = list(council.members.order_by("id"))
    data = {
        "held_at": timezone.now() - timedelta(hours=2),
        "place": "党群服务中心",
        "present": members[:present] if isinstance(present, int) else present,
        "agenda": [{"text": "非机动车乱停放"}],
        "minutes": "讨论了充电棚选址。",
        **extra,
    }
    return services.meeting_hold(actor=tree.users["community"], council=council, **data)


def _votes(meeting, choice="for"):
    return {str(m.pk): choice for m in meeting.present.all()}


# -- rules --------------------------------------------------------------------------------------------------


def test_it_forms_a_council_with_members_of_the_team_register_and_outside(tree):
    person = Person.objects.create(area=tree.grids[0], name="王大爷")
    member = services.team_member_add(
        actor=tree.users["worker"], area=tree.grids[0], role="property_staff", name="物业小张"
    )
    council = services.council_create(
        actor=tree.users["community"],
        area=tree.communities[0],
        name="议事会",
        members=[
            {"role": "party", "name": "刘书记"},
            {"role": "property", "team_member": member},
            {"role": "residents", "person": person},
        ],
    )
    names = sorted(council.members.values_list("name", flat=True))
    assert names == sorted(["刘书记", "物业小张", "王大爷"])
    assert CouncilEvent.objects.filter(council=council, kind="created").count() == 1


def test_it_refuses_a_bad_council_next_to_the_fields(tree):
    outsider = Person.objects.create(area=tree.grids[5], name="外人")
    with pytest.raises(ValidationError) as exc:
        services.council_create(
            actor=tree.users["community"],
            area=tree.communities[0],
            name=" ",
            quorum_percent=100,
            members=[{"role": "chief", "name": "甲"}, {"role": "residents", "person": outsider}],
        )
    assert {"name", "quorum_percent", "members"} <= set(exc.value.message_dict)


def test_it_refuses_a_council_to_a_grid_worker(tree):
    with pytest.raises(PermissionDenied):
        services.council_create(actor=tree.users["worker"], area=tree.communities[0], name="x", members=FOUR)


@pytest.mark.parametrize(("present", "quorum", "quorate"), [(3, 50, True), (2, 50, False), (2, 40, True)])
def test_it_counts_quorum_as_more_than_the_share_of_members_present(tree, present, quorum, quorate):
    council = services.council_create(
        actor=tree.users["community"],
        area=tree.communities[0],
        name="议事会",
        members=FOUR,
        quorum_percent=quorum,
    )
    assert _hold(tree, council, present=present).quorate is quorate


def test_it_records_a_decision_with_votes_and_follow_ups(tree, council):
    meeting = _hold(tree, council)
    a, b, c = meeting.present.order_by("id")
    decision = services.decision_record(
        actor=tree.users["community"],
        meeting=meeting,
        text="建设充电棚",
        votes={str(a.pk): "for", str(b.pk): "for", str(c.pk): "against"},
        follow_ups=[{"what": "勘查线路", "who": "物业", "deadline": date.today() + timedelta(days=10)}],
    )
    assert (decision.votes_for, decision.votes_against, decision.passed) == (2, 1, True)
    assert decision.follow_ups.count() == 1
    split = services.decision_record(
        actor=tree.users["community"],
        meeting=meeting,
        text="增设门岗",
        votes={str(a.pk): "for", str(b.pk): "abstain", str(c.pk): "against"},
    )
    assert split.passed is False  # one of three present is not more than half


def test_it_refuses_a_decision_without_quorum(tree, council):
    meeting = _hold(tree, council, present=2)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            actor=tree.users["community"], meeting=meeting, text="x", votes=_votes(meeting)
        )
    assert "meeting" in exc.value.message_dict
    assert not Decision.objects.exists()


def test_it_refuses_a_vote_by_an_absent_member_or_a_non_member(tree, council):
    meeting = _hold(tree, council)
    absent = council.members.exclude(pk__in=meeting.present.all()).get()
    other = services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="另一会", members=FOUR
    )
    for voter in (absent, other.members.first()):
        with pytest.raises(ValidationError) as exc:
            services.decision_record(
                actor=tree.users["community"],
                meeting=meeting,
                text="x",
                votes={**_votes(meeting), str(voter.pk): "for"},
            )
        assert "votes" in exc.value.message_dict
    assert not Decision.objects.exists()


def test_it_refuses_a_meeting_in_the_future_or_with_strangers_present(tree, council):
    other = services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="另一会", members=FOUR
    )
    with pytest.raises(ValidationError) as exc:
        _hold(
            tree,
            council,
            held_at=timezone.now() + timedelta(days=1),
            present=[other.members.first()],
            agenda=[{"text": "x", "case": "NOPE"}],
        )
    assert {"held_at", "present", "agenda"} <= set(exc.value.message_dict)
    assert not Meeting.objects.exists()


def test_it_links_an_agenda_item_to_a_case_by_number(tree, council):
    from cases.models import Case
    from tests.test_scope_coverage import _case_in

    case = Case.objects.get(pk=_case_in(tree, 0))
    meeting = _hold(tree, council, agenda=[{"text": "井盖", "case": case.number}])
    assert meeting.agenda.get().case == case


def test_it_publishes_the_decisions_once_as_a_public_notice_of_the_area(tree, council):
    meeting = _hold(tree, council)
    with pytest.raises(ValidationError):
        services.decisions_publish(actor=tree.users["community"], meeting=meeting)  # nothing decided yet
    services.decision_record(
        actor=tree.users["community"], meeting=meeting, text="建设充电棚", votes=_votes(meeting)
    )
    meeting = services.decisions_publish(actor=tree.users["community"], meeting=meeting)
    notice = Notice.objects.get(pk=meeting.notice_id)
    assert "建设充电棚" in notice.body and notice.audience == "public"
    assert notice in public_notices(tree.grids[0])
    with pytest.raises(ValidationError):
        services.decisions_publish(actor=tree.users["community"], meeting=meeting)
    with pytest.raises(ValidationError):
        services.decision_record(
            actor=tree.users["community"], meeting=meeting, text="追加", votes=_votes(meeting)
        )
    kinds = list(CouncilEvent.objects.filter(council=council).values_list("kind", flat=True))
    assert kinds == ["created", "held", "decided", "published"]
    assert audit_chain.breaks(["council_events"]) == []


# -- scope ------------------------------------------------------------------------------------------------


def test_it_shows_a_council_to_its_owner_and_members_and_hides_it_from_strangers(tree, council):
    meeting = _hold(tree, council)
    for who, sees in [
        ("community", True),
        ("worker", True),
        ("street", True),
        ("community_b", False),
        ("stranger", False),
        ("handler", False),
    ]:
        user = tree.users[who]
        assert (council in scoped(user, type(council).objects.all())) is sees, who
        assert (meeting in scoped(user, Meeting.objects.all())) is sees, who
    with pytest.raises(PermissionDenied):
        services.meeting_hold(
            actor=tree.users["community_b"],
            council=council,
            held_at=timezone.now(),
            place="x",
            present=list(council.members.all()),
            agenda=[{"text": "x"}],
        )


# -- API and pages ----------------------------------------------------------------------------------------


def test_it_walks_a_council_through_the_api(tree):
    client = client_for(tree.users["community"])
    made = client.post(
        "/api/v1/community/councils/",
        {"area": tree.communities[0].code, "name": "四方议事会", "members": FOUR},
        format="json",
    )
    assert made.status_code == 201, made.json()
    ids = [m["id"] for m in made.json()["members"]]
    held = client.post(
        "/api/v1/community/meetings/",
        {
            "council": made.json()["id"],
            "held_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "place": "会议室",
            "present": ids[:3],
            "agenda": [{"text": "停车"}],
        },
        format="json",
    )
    assert held.status_code == 201, held.json()
    assert held.json()["quorate"] is True
    url = f"/api/v1/community/meetings/{held.json()['id']}/"
    absent = client.post(url + "decisions/", {"text": "x", "votes": {str(ids[3]): "for"}}, format="json")
    assert absent.status_code == 400 and "votes" in absent.json()["fields"]
    ok = client.post(
        url + "decisions/", {"text": "建充电棚", "votes": {str(i): "for" for i in ids[:3]}}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["passed"] is True
    published = client.post(url + "publish/")
    assert published.status_code == 200 and published.json()["notice"]
    public = APIClient().get("/public/notices/", {"area": tree.grids[0].code})
    assert "建充电棚" in public.content.decode() or "四方议事会" in public.content.decode()
    assert client_for(tree.users["community_b"]).get(url).status_code == 404


def test_it_shows_the_council_pages(tree, client, council):
    meeting = _hold(tree, council)
    services.decision_record(
        actor=tree.users["community"], meeting=meeting, text="建设充电棚", votes=_votes(meeting)
    )
    client.force_login(tree.users["community"])
    listing = client.get("/community/councils/")
    assert listing.status_code == 200 and "四方议事会" in listing.content.decode()
    page = client.get(f"/community/meetings/{meeting.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "建设充电棚" in body and "讨论了充电棚选址" in body
    done = client.post(f"/community/meetings/{meeting.pk}/publish/")
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.notice_id
    client.force_login(tree.users["community_b"])
    assert client.get(f"/community/meetings/{meeting.pk}/").status_code == 404

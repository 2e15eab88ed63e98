"""The session backend loads the user with its reach, and the reach is the one the separate lookup gives."""

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory
from django.utils import timezone

from grids.auth import ReachBackend
from grids.models import Area, Membership, Role
from grids.scope import forget_reach, reach
from grids.services import membership_grant


def _separately(user):
    """The reach as computed without the backend: its own membership query."""
    forget_reach(user)
    return reach(user)


@pytest.mark.parametrize("name", ["worker", "community", "centre", "stranger", "handler"])
def test_it_loads_each_role_with_its_reach(tree, name, django_assert_num_queries):
    user = tree.users[name]
    # The user with its memberships in one query; the handler's department coverage is one more.
    with django_assert_num_queries(2 if name == "handler" else 1):
        loaded = ReachBackend().get_user(user.pk)
    with django_assert_num_queries(0):
        loaded_reach = reach(loaded)
    assert loaded == user
    assert loaded_reach == _separately(user)


def test_it_gives_what_several_memberships_give_and_skips_inactive_ones(tree):
    worker = tree.users["worker"]
    membership_grant(user=worker, role=Role.GRID_LEADER, area=tree.grids[1])
    membership_grant(user=worker, role=Role.COMMUNITY_STAFF, area=tree.communities[3])
    Membership.objects.filter(user=worker, area=tree.communities[3]).update(is_active=False)
    membership_grant(user=worker, role=Role.GRID_WORKER, area=tree.grids[2])
    Area.objects.filter(pk=tree.grids[2].pk).update(
        is_active=False, retired_at=timezone.now()
    )  # retired since
    loaded = reach(ReachBackend().get_user(worker.pk))
    assert loaded.codes_by_role == {
        Role.GRID_WORKER: frozenset({tree.grids[0].code}),
        Role.GRID_LEADER: frozenset({tree.grids[1].code}),
    }
    assert loaded == _separately(worker)


def test_it_refuses_inactive_unknown_and_odd_ids(tree):
    tree.users["worker2"].is_active = False
    tree.users["worker2"].save()
    backend = ReachBackend()
    assert backend.get_user(tree.users["worker2"].pk) is None
    assert backend.get_user(10**9) is None
    assert backend.get_user("not-an-id") is None


def test_a_session_request_gets_the_user_with_its_reach(tree, client, django_assert_num_queries):
    client.force_login(tree.users["street"])
    request = RequestFactory().get("/")
    request.session = client.session
    user = get_user(request)
    assert user == tree.users["street"]
    with django_assert_num_queries(0):
        assert reach(user).codes() == [tree.streets[0].code]

"""Every API endpoint is scoped: a grid worker sees nothing of another grid, community staff see their
subtree and nothing outside it. A new endpoint that is not listed here fails
``test_every_endpoint_is_covered``.
"""

import pytest
from rest_framework.test import APIClient

from gridgov.api import ScopedViewSetMixin
from gridgov.api_urls import APPS_WITH_ROUTES, router

pytestmark = pytest.mark.django_db


def _case_in(tree, grid_index):
    from cases.models import Category
    from cases.services import case_report

    grid = tree.grids[grid_index]
    reporter = tree.users["centre"]
    return case_report(
        actor=reporter,
        category=Category.objects.get(code="01001"),
        title="井盖",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case.pk


def _membership_in(tree, grid_index):
    from grids.models import Membership, Role

    from .factories import make_user

    user = make_user(f"worker-of-{grid_index}", Role.GRID_WORKER, tree.grids[grid_index])
    return Membership.objects.get(user=user).pk


# basename → (make an object inside grid N and return its pk, lookup attribute used in the URL)
COVERAGE = {
    "area": (lambda tree, i: tree.grids[i].pk, "pk"),
    "membership": (_membership_in, "pk"),
    "case": (_case_in, "pk"),
    "department": (
        lambda tree, i: __import__("tests.dispatch.scope_makers", fromlist=["_"]).department_in(tree, i),
        "pk",
    ),
    "routing-rule": (
        lambda tree, i: __import__("tests.dispatch.scope_makers", fromlist=["_"]).routing_rule_in(tree, i),
        "pk",
    ),
    "whistle": (
        lambda tree, i: __import__("tests.dispatch.scope_makers", fromlist=["_"]).whistle_in(tree, i),
        "pk",
    ),
    "case-assist": (
        lambda tree, i: __import__("tests.dispatch.scope_makers", fromlist=["_"]).case_assist_in(tree, i),
        "pk",
    ),
}
# Reference data every signed-in user reads, with the reason it is not area-scoped.
REFERENCE = {
    "category": "the catalogue is the same for everyone",
    "canned-reply": "the catalogue's canned progress notes, the same for everyone; tested in "
    "tests/cases/test_notes.py",
    "routing-suggest": "no rows of its own: ?case=ID is looked up in the caller's case scope (404 outside "
    "it); tested in tests/dispatch/test_routing.py",
    "notification": "a per-recipient inbox, not area data: filtered to request.user (superusers too); "
    "tested in tests/dispatch/test_notifications.py",
}


from tests.residents.scope_makers import EXEMPT, MAKERS  # noqa: E402

COVERAGE.update({basename: (maker, "pk") for basename, maker in MAKERS.items()})
REFERENCE.update(EXEMPT)
for _app in APPS_WITH_ROUTES:
    _makers = __import__(f"tests.{_app}.scope_makers", fromlist=["MAKERS"])
    COVERAGE.update({basename: (maker, "pk") for basename, maker in _makers.MAKERS.items()})
    REFERENCE.update(_makers.EXEMPT)


def registered():
    return {basename: viewset for _prefix, viewset, basename in router.registry}


def test_every_endpoint_is_covered():
    missing = sorted(set(registered()) - set(COVERAGE) - set(REFERENCE))
    assert missing == [], f"add scope tests for {missing} to tests/test_scope_coverage.py"


def test_every_viewset_is_scoped():
    unscoped = sorted(b for b, viewset in registered().items() if not issubclass(viewset, ScopedViewSetMixin))
    assert unscoped == []


def test_overriding_get_queryset_cannot_bypass_the_scope(tree):
    from grids.api import AreaViewSet
    from grids.models import Area

    class Sneaky(AreaViewSet):
        def get_queryset(self):
            return Area.objects.all()

    view = Sneaky()
    view.request = type("R", (), {"user": tree.users["worker"]})()
    assert tree.grids[5] not in view.get_queryset()
    assert tree.grids[0] in view.get_queryset()


def _ids(client, basename):
    url = f"/api/v1/{_prefix(basename)}/"
    ids = set()
    while url:
        body = client.get(url, {"page_size": 200}).json()
        rows = body["results"] if isinstance(body, dict) else body
        ids |= {row["id"] for row in rows}
        url = body.get("next") if isinstance(body, dict) else None
    return ids


def _prefix(basename):
    return next(prefix for prefix, _v, b in router.registry if b == basename)


@pytest.mark.parametrize("basename", sorted(COVERAGE))
def test_a_grid_worker_sees_nothing_of_another_grid(tree, basename):
    make, _lookup = COVERAGE[basename]
    mine, theirs = make(tree, 0), make(tree, 5)
    client = APIClient()
    client.force_authenticate(tree.users["worker"])
    visible = _ids(client, basename)
    assert theirs not in visible
    assert client.get(f"/api/v1/{_prefix(basename)}/{theirs}/").status_code == 404
    if basename != "membership":
        assert mine in visible


@pytest.mark.parametrize("basename", sorted(COVERAGE))
def test_community_staff_see_their_subtree_only(tree, basename):
    make, _lookup = COVERAGE[basename]
    inside, neighbour, other_street = make(tree, 1), make(tree, 2), make(tree, 5)
    client = APIClient()
    client.force_authenticate(tree.users["community"])  # community 0 holds grids 0 and 1
    visible = _ids(client, basename)
    assert inside in visible
    assert neighbour not in visible and other_street not in visible
    assert client.get(f"/api/v1/{_prefix(basename)}/{other_street}/").status_code == 404


@pytest.mark.parametrize("basename", sorted(COVERAGE))
def test_a_stranger_sees_nothing(tree, basename):
    make, _lookup = COVERAGE[basename]
    make(tree, 0)
    client = APIClient()
    client.force_authenticate(tree.users["stranger"])
    assert _ids(client, basename) == set()


def test_anonymous_requests_are_refused(tree):
    for basename in registered():
        assert APIClient().get(f"/api/v1/{_prefix(basename)}/").status_code in (401, 403)

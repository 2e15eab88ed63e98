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


# Endpoints beside the router (gridgov/api_urls.py): no area's rows are read through them, so the scope tests
# above do not apply; each with why and where it is tested. A new one not listed fails the test below.
BESIDE_THE_ROUTER = {
    "me": "the signed-in user's own account and memberships, nothing of anyone else's",
    "uploads": "the sender's own photo uploads, filtered by owner; tested in tests/cases/test_uploads.py",
    "upload": "the sender's own photo upload, by owner (404 for another's); tests/cases/test_uploads.py",
}
# The citizens' public API (issue 24): no login by design; a verified phone's token, the reporter's link or
# a subscription's signed token is the permission, and no answer carries a phone or an e-mail address.
PUBLIC = {
    "public-phone-code": "a code to the number given; tests/open311/test_api_citizen_phone.py",
    "public-phone-verify": "a code checks its own number only; tests/open311/test_api_citizen_phone.py",
    "public-report-update": "published reports only (404 else); tests/open311/test_api_citizen_updates.py",
    "public-track": "the reporter's signed link, its report only; tests/open311/test_api_citizen_answer.py",
    "public-track-answer": "the same link; tests/open311/test_api_citizen_answer.py",
    "public-alerts": "published reports and public areas; tests/open311/test_api_citizen_alerts.py",
    "public-alerts-confirm": "one subscription's signed token; tests/open311/test_api_citizen_alerts.py",
    "public-alerts-unsubscribe": "one subscription's signed token; tests/open311/test_api_citizen_alerts.py",
}


def _beside_the_router(patterns=None):
    from django.urls import URLResolver

    from gridgov.api_urls import urlpatterns

    for entry in urlpatterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.urlconf_name is not router.urls:
                yield from _beside_the_router(entry.url_patterns)
        else:
            yield entry.name


def test_every_endpoint_beside_the_router_is_listed():
    assert sorted(_beside_the_router()) == sorted({**BESIDE_THE_ROUTER, **PUBLIC})


def test_only_the_public_endpoints_answer_without_a_login(tree):
    from django.urls import reverse

    assert APIClient().get(reverse("me")).status_code in (401, 403)
    assert APIClient().get(reverse("uploads")).status_code in (401, 403)
    arguments = {"public-report-update": {"public_id": "nosuch"}, "public-track": {"token": "nosuch"}}
    arguments["public-track-answer"] = arguments["public-track"]
    for name in PUBLIC:
        url = reverse(name, kwargs=arguments.get(name))
        answer = APIClient().get(url) if name == "public-track" else APIClient().post(url, {}, format="json")
        assert answer.status_code in (400, 404), (name, answer.status_code)  # refused for its input only

"""Runs the shared scope checks of tests/test_scope_coverage.py on the register's endpoints, so they hold
even before the lead lists the makers there."""

import pytest
from rest_framework.test import APIClient

from gridgov.api_urls import router

from .scope_makers import EXEMPT, MAKERS

pytestmark = pytest.mark.django_db


def _prefix(basename):
    return next(prefix for prefix, _v, b in router.registry if b == basename)


def _ids(client, basename):
    body = client.get(f"/api/v1/{_prefix(basename)}/", {"page_size": 500}).json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def test_every_register_endpoint_has_a_maker_or_a_reason():
    register = {b for _p, _v, b in router.registry if b.startswith("resident-")}
    assert register == set(MAKERS) | set(EXEMPT)


@pytest.mark.parametrize("basename", sorted(MAKERS))
def test_worker_community_and_stranger_scopes(tree, basename):
    make = MAKERS[basename]
    mine, inside, neighbour, other_street = make(tree, 0), make(tree, 1), make(tree, 2), make(tree, 5)
    worker, community, stranger = (APIClient() for _ in range(3))
    worker.force_authenticate(tree.users["worker"])
    community.force_authenticate(tree.users["community"])
    stranger.force_authenticate(tree.users["stranger"])
    seen = _ids(worker, basename)
    assert mine in seen and not {inside, neighbour, other_street} & seen
    assert worker.get(f"/api/v1/{_prefix(basename)}/{other_street}/").status_code == 404
    seen = _ids(community, basename)
    assert {mine, inside} <= seen and not {neighbour, other_street} & seen
    assert _ids(stranger, basename) == set()

"""A grid-day check-in sent twice with the same Idempotency-Key checks in once and answers the same (not
"already checked in": the phone only lost its first answer)."""

import pytest
from rest_framework.test import APIClient

from fieldwork.models import FieldEvent

from .conftest import MORNING, inside, schedule

pytestmark = pytest.mark.django_db


def test_it_checks_in_once_for_one_key(tree, before):
    grid_day = schedule(tree)
    community = APIClient()
    community.force_authenticate(tree.users["community"])
    sent = community.post(
        f"/api/v1/grid-days/{grid_day.pk}/assign/",
        {"grid": tree.grids[0].pk, "cadre": tree.users["street"].pk},
        format="json",
    )
    pk = sent.json()["id"]
    street = APIClient()
    street.force_authenticate(tree.users["street"])
    before.move_to(MORNING)
    url = f"/api/v1/grid-day-deployments/{pk}/check-in/"
    first = street.post(url, inside(tree.grids[0]), format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = street.post(url, inside(tree.grids[0]), format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again.json() == first.json()
    assert FieldEvent.objects.filter(deployment_id=pk, kind="checked_in").count() == 1
    other = street.post(url, inside(tree.grids[0]), format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    assert other.status_code == 400  # a second check-in is a second step: refused as before

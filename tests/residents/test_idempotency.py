"""A visit recorded twice with the same Idempotency-Key (a phone whose answer was lost) is one visit."""

import pytest
from rest_framework.test import APIClient

from residents.models import Visit

pytestmark = pytest.mark.django_db


def test_it_records_one_visit_for_one_key(register):
    tree = register.tree
    client = APIClient()
    client.force_authenticate(tree.users["worker"])
    household = register.households[tree.grids[0].code][0]
    body = {"household": household.pk, "method": "door", "notes": "独居老人，身体尚可"}
    first = client.post("/api/v1/residents/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    again = client.post("/api/v1/residents/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json()["id"] == first.json()["id"] and Visit.objects.count() == 1
    changed = client.post(
        "/api/v1/residents/visits/", {**body, "notes": "另一次"}, format="json", HTTP_IDEMPOTENCY_KEY="v-1"
    )
    assert changed.status_code == 400 and Visit.objects.count() == 1
    other = client.post("/api/v1/residents/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v-2")
    assert other.status_code == 201 and Visit.objects.count() == 2

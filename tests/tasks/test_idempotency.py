"""A task's form filled twice for one target with the same Idempotency-Key is one result."""

import pytest
from rest_framework.test import APIClient

from tasks.models import TaskResult

from .conftest import building
from .test_api import _create

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_records_one_result_for_one_key(tree, admitted):
    building(tree.grids[0], 1)
    task_id = _create(tree, admitted).json()["id"]
    leader, worker = _client(tree.users["leader"]), _client(tree.users["worker"])
    [row] = leader.get("/api/v1/task-assignments/", {"task": task_id}).json()["results"]
    leader.post(
        f"/api/v1/task-assignments/{row['id']}/assign/", {"workers": [tree.users["worker"].pk]}, format="json"
    )
    [target] = worker.get("/api/v1/task-targets/", {"assignment": row["id"]}).json()["results"]
    body = {"assignment": row["id"], "target": target["id"], "values": {"hose": "ok"}}
    first = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    again = worker.post("/api/v1/task-results/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and TaskResult.objects.count() == 1

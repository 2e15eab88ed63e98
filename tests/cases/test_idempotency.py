"""The Idempotency-Key on a case's steps (issue 23): the same key twice acts once and answers the same;
the same key with a different request is refused; a refused step keeps no key."""

import pytest
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, IdempotencyKey

from .conftest import photo, report

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(user, case, name, data, key, fmt="multipart"):
    return client_for(user).post(
        f"/api/v1/cases/{case.pk}/{name}/", data, format=fmt, HTTP_IDEMPOTENCY_KEY=key
    )


def _to_verify(tree, case):
    u = tree.users
    for user, name, data in [
        (u["community"], "file", {}),
        (u["community"], "dispatch", {"department": tree.departments[0].code}),
        (u["handler"], "accept", {}),
        (u["handler"], "feedback", {"result": "已清运", "photos": [photo()]}),
    ]:
        assert _post(user, case, name, data, f"{name}-{case.pk}").status_code == 200


def test_it_self_handles_once_for_one_key(tree, rubbish):
    # Self-handling is part of the report (the case goes straight to verification): one key, one case.
    grid, client = tree.grids[0], client_for(tree.users["worker"])

    def send():
        body = {
            "category": "01001",
            "title": "楼道杂物",
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
            "self_handled_result": "已清理",
            "photos": [photo()],
            "after_photos": [photo("after.jpg")],
        }
        return client.post("/api/v1/cases/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="k-self")

    first, again = send(), send()
    assert (first.status_code, again.status_code) == (201, 200), first.json()
    assert again.json()["id"] == first.json()["id"] and Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind="self_handle").count() == 1


def test_it_verifies_once_for_one_key(tree, new_case):
    _to_verify(tree, new_case)
    worker = tree.users["worker"]
    first = _post(worker, new_case, "verify-pass", {"note": "已核实"}, "k-verify", fmt="json")
    again = _post(worker, new_case, "verify-pass", {"note": "已核实"}, "k-verify", fmt="json")
    assert first.status_code == again.status_code == 200, first.json()
    assert again.json()["status"] == first.json()["status"] == "verified"
    assert CaseEvent.objects.filter(case=new_case, kind="verify_pass").count() == 1


def test_a_verify_on_a_changed_case_is_refused_and_keeps_no_key(tree, new_case):
    _to_verify(tree, new_case)
    worker, seen = tree.users["worker"], new_case.version
    stale = _post(worker, new_case, "verify-pass", {"note": "", "version": seen}, "k-stale", fmt="json")
    assert stale.status_code == 409 and stale.json()["current_version"] > seen
    assert not IdempotencyKey.objects.filter(key="k-stale").exists()
    # The same key may redo the step on the current version.
    redo = _post(worker, new_case, "verify-pass", {"note": ""}, "k-stale", fmt="json")
    assert redo.status_code == 200 and IdempotencyKey.objects.filter(key="k-stale").count() == 1


def test_one_key_names_one_step_whatever_the_endpoint(tree, new_case, rubbish):
    _to_verify(tree, new_case)
    report(tree, rubbish, idempotency_key="k-one")  # the worker's report used this key
    other = _post(tree.users["worker"], new_case, "verify-pass", {"note": ""}, "k-one", fmt="json")
    assert other.status_code == 400 and "idempotency_key" in other.json()["fields"]
    assert new_case.events.filter(kind="verify_pass").count() == 0


def test_a_key_is_the_users_own(tree, new_case):
    _to_verify(tree, new_case)
    # The same key from another user is another step: the handler's own key does not replay for the worker.
    answer = _post(tree.users["worker"], new_case, "verify-pass", {"note": ""}, "accept-" + str(new_case.pk))
    assert answer.status_code == 200 and answer.json()["status"] == "verified"

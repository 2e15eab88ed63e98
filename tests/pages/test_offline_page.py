"""The offline page (issue 23 §3): the queue's place, the cases the worker verifies on site (theirs only),
the pages to keep for work without a signal, in a number of queries that does not grow with the cases."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case
from tests.cases.test_idempotency import _to_verify

from .conftest import login, report

pytestmark = pytest.mark.django_db


def _handled(tree, rubbish, title="井盖缺失"):
    case = report(tree, rubbish, actor=tree.users["centre"], title=title)
    _to_verify(tree, case)
    return case


def _precache(page) -> list:
    text = page.content.decode()
    start = text.index('id="gg-precache"')
    body = text[text.index(">", start) + 1 : text.index("</script>", start)]
    return json.loads(body)


def test_it_offers_the_owner_a_verify_form_for_each_case_of_their_grids(client, tree, rubbish):
    case = _handled(tree, rubbish)
    page = login(client, tree, "worker").get("/offline/")
    assert page.status_code == 200
    assert f'data-offline-api="/api/v1/cases/{case.pk}/"'.encode() in page.content
    version = Case.objects.values_list("version", flat=True).get(pk=case.pk)  # after the steps to verify
    assert version > 1 and f'data-version="{version}"'.encode() in page.content
    assert b"data-outbox" in page.content and b'id="gg-case-statuses"' in page.content
    assert f"/cases/{case.pk}/" in _precache(page) and "/residents/tasks/" in _precache(page)


def test_a_worker_of_another_grid_and_a_stranger_see_no_case_to_verify(client, tree, rubbish):
    case = _handled(tree, rubbish)
    for name in ("worker2", "stranger"):
        client.logout()
        page = login(client, tree, name).get("/offline/")
        assert page.status_code == 200
        assert f"verify-{case.pk}".encode() not in page.content


def test_it_asks_a_login(client):
    assert client.get("/offline/").status_code == 302


def test_its_queries_do_not_grow_with_the_cases_to_verify(client, tree, rubbish):
    _handled(tree, rubbish)
    login(client, tree, "worker")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/offline/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request of a session warms its caches
    one = queries()
    _handled(tree, rubbish, "路灯不亮")
    _handled(tree, rubbish, "楼道堆物")
    assert queries() == one


def test_a_key_longer_than_128_characters_is_a_400(tree, rubbish):
    case = _handled(tree, rubbish)
    api = APIClient()
    api.force_authenticate(tree.users["worker"])
    answer = api.post(
        f"/api/v1/cases/{case.pk}/verify-pass/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 129
    )
    assert answer.status_code == 400 and "idempotency_key" in answer.json()["fields"]
    assert case.events.filter(kind="verify_pass").count() == 0

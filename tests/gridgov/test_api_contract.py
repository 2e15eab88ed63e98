"""Answers that disagreed with the API document (found by tests/gridgov/test_schemathesis.py)."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.residents import conftest as residents

register = residents.register  # the register fixture: a building, households and persons per grid

ERROR_CODES = {"400", "401", "403", "404", "429"}


@pytest.fixture
def centre(tree):
    client = APIClient()
    client.force_login(tree.users["centre"])
    return client


@pytest.fixture
def spec(db):
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_declares_the_error_answers(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert set(operation["responses"]) >= ERROR_CODES, (method, path)


def test_declarations_that_were_wrong(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Area"]["properties"]["parent_code"]["nullable"]
    assert schemas["Membership"]["properties"]["department_name"]["nullable"]
    assert schemas["PiiAccessLog"]["properties"]["person_name"]["nullable"]
    assert "format" not in schemas["Me"]["properties"]["email"]
    locate = spec["paths"]["/api/v1/areas/locate/"]["get"]["responses"]["200"]
    assert locate["content"]["application/json"]["schema"]["$ref"].endswith("/LocateAnswer")
    unread = spec["paths"]["/api/v1/notifications/unread-count/"]["get"]["responses"]["200"]
    assert unread["content"]["application/json"]["schema"]["$ref"].endswith("/UnreadCount")
    export = spec["paths"]["/api/v1/residents/persons/export/"]["post"]["responses"]["200"]["content"]
    assert {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(export)


def test_errors_of_list_items_are_listed_under_the_list(centre):
    photos = ["not a file", "nor this"]
    response = centre.post("/api/v1/cases/", {"title": "x", "photos": photos}, format="multipart")
    assert response.status_code == 400
    assert response.json()["fields"]["photos"] == [
        "The submitted data was not a file. Check the encoding type on the form."
    ]


def test_a_path_no_route_matches_answers_in_the_api_error_shape(centre):
    response = centre.get("/api/v1/categories/a.b~c/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert centre.get("/no/such/page/").status_code == 404


def test_household_answers_carry_member_count(register):
    tree = register.tree
    client = APIClient()
    client.force_login(residents.grant(tree.users["worker"], "add_household", "change_household"))
    created = client.post(
        "/api/v1/residents/households/",
        {"area": tree.grids[0].code, "number": "N-1", "address": "东门1号"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["member_count"] == 0
    household = register.households[tree.grids[0].code][0]
    moved = client.post(
        f"/api/v1/residents/households/{household.pk}/move/", {"address": "西门2号"}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["member_count"] == 2


def test_mark_read_refuses_ids_beyond_the_id_column(centre):
    response = centre.post("/api/v1/notifications/read-all/", {"ids": [2**70]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ids"]

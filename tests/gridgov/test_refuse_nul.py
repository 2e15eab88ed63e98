"""NUL (U+0000) in any input is a 400 that names the field, on every surface, before a view can pass it on
to PostgreSQL (which answers "A string literal cannot contain NUL" with a 500)."""

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from rest_framework.test import APIClient

from cases.models import Category
from cases.services import case_report
from intake.keys import integration_create
from intake.models import SensorAlertRule
from tests.factories import photo

NUL = "\x00"
REFUSED = "This field may not contain the NUL character (\\u0000)."


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


@pytest.fixture
def api(tree):
    client = APIClient()
    client.force_login(tree.users["centre"])
    return client


@pytest.fixture
def case(tree, rubbish):
    grid = tree.grids[0]
    return case_report(
        actor=tree.users["worker"],
        category=rubbish,
        title="东门垃圾",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case


def refused(response, *fields):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert sorted(body["fields"]) == sorted(fields)
    for field in fields:
        assert body["fields"][field] == [REFUSED]
    return body


def test_the_endpoints_that_answered_500(api, tree, case):
    grid, street = tree.grids[0].code, tree.streets[0].code
    post = {
        "/api/v1/cases/": {"category": "01001", "title": "垃圾", "area": grid + NUL},
        f"/api/v1/cases/{case.pk}/dispatch/": {"version": case.version, "department": "CG" + NUL},
        f"/api/v1/cases/{case.pk}/correct-area/": {"version": case.version, "area": NUL + grid},
        "/api/v1/residents/households/": {"area": grid, "number": "1-101", "address": "东门" + NUL},
        "/api/v1/residents/persons/export/": {"area": street + NUL},
        "/api/v1/routing/rules/": {"category": "01001", "owner_area": street, "department": "C\x00G"},
    }
    for url, body in post.items():
        field = next(name for name, value in body.items() if NUL in str(value))
        refused(api.post(url, body, format="json"), field)
    refused(api.get("/api/v1/residents/persons/", {"q": "a" + NUL}), "q")


def test_nested_json_names_the_path_and_keys_count_too(api):
    body = refused(
        api.post(
            "/api/v1/cases/",
            {"title": "ok", "extra": {"floors": ["3", "4" + NUL], "note" + NUL: "x"}},
            format="json",
        ),
        "extra.floors",
        "extra.note\x00",
    )
    assert body["message"]


def test_a_bare_json_list_is_named_body(api):
    refused(api.post("/api/v1/notifications/read-all/", ["a\x00"], format="json"), "body")


def test_an_escaped_backslash_is_not_nul(api):
    # The JSON text ``"\\u0000"`` is the six characters \u0000, not NUL: the serializer decides.
    response = api.post("/api/v1/cases/", '{"title": "\\\\u0000"}', content_type="application/json")
    assert response.status_code == 400
    assert "title" not in response.json()["fields"]


def test_form_bodies_on_post_put_and_patch(api, tree):
    refused(api.post("/api/v1/residents/households/", {"address": "a" + NUL}), "address")
    url = "/api/v1/residents/households/1/"
    refused(api.patch(url, {"address": "a" + NUL}, format="multipart"), "address")
    refused(api.put(url, "address=a%00", content_type="application/x-www-form-urlencoded"), "address")
    # Django's multipart parser drops unprintable characters from file names: they never reach a view.
    upload = photo(name="a\x00.jpg")
    response = api.post("/api/v1/cases/", {"title": "x", "photos": [upload]}, format="multipart")
    assert list(response.json()["fields"]) == ["category"]


def test_headers_and_cookies(tree):
    client = APIClient()
    refused(client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc" + NUL), "Authorization")
    # The session key would reach the sessions table (a browser never sends this; a script can).
    refused(client.get("/api/v1/cases/", HTTP_COOKIE="sessionid=abcdefgh" + NUL), "Cookie")


def test_pages_answer_a_400_page_naming_the_field(tree):
    client = Client()
    client.force_login(tree.users["worker"])
    response = client.post("/cases/new/", {"title": "垃圾" + NUL, "description": "ok"})
    assert response.status_code == 400
    assert "<strong>title</strong>" in response.content.decode()
    response = Client().get("/public/track/abc" + NUL + "/")
    assert response.status_code == 400
    assert "<strong>path</strong>" in response.content.decode()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_in_its_own_error_shape(db, fmt):
    response = Client().post(
        f"/open311/v2/requests.{fmt}", {"service_code": "01001", "description": "a\x00b"}
    )
    assert response.status_code == 400
    if fmt == "json":
        assert response.json() == [{"code": 400, "description": f"description: {REFUSED}"}]
    else:
        assert "<description>description: " in response.content.decode()


def test_hotline_and_sensor_integrations(tree, rubbish):
    _hotline, hotline_key = integration_create(name="12345", kind="hotline")
    sensor, sensor_key = integration_create(name="环卫", kind="sensor")
    SensorAlertRule.objects.create(integration=sensor, alert_type="bin_full", category=rubbish)
    client = APIClient()
    order = {"external_id": "GD-1", "category": "01001", "title": "垃圾", "caller_name": "王" + NUL}
    refused(
        client.post(
            "/api/v1/intake/hotline/orders/",
            order,
            format="json",
            HTTP_AUTHORIZATION=f"Api-Key {hotline_key}",
        ),
        "caller_name",
    )
    alert = {"alert_id": "A" + NUL, "device": "bin-1", "alert_type": "bin_full"}
    refused(
        client.post(
            "/api/v1/intake/sensors/alerts/", alert, format="json", HTTP_AUTHORIZATION=f"Api-Key {sensor_key}"
        ),
        "alert_id",
    )


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _sample(pattern: str) -> str:
    """A concrete path for a route or regex pattern: every parameter filled with a plausible value."""
    pattern = pattern.lstrip("^").rstrip("$").replace("\\Z", "")

    def fill(match):
        converter = match.group(1) or "str"
        return {"int": "1", "open311fmt": "json"}.get(converter, "x")

    path = re.sub(r"\.\(\?P<format>[^)]*\)", ".json", pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = re.sub(r"<(?:(\w+):)?\w+>", fill, path)
    return "/" + path.replace("\\.", ".").replace("/?", "/")


def test_every_url_refuses_nul_in_a_query_parameter(tree):
    assert IntConverter.regex == "[0-9]+"
    client = Client()
    client.force_login(tree.users["centre"])
    paths = sorted({_sample(p) for p in _walk(get_resolver())})
    assert len(paths) > 100
    for path in paths:
        for method in (client.get, client.post):
            response = method(path + "?q=a%00", follow=False)
            assert response.status_code == 400, (path, response.status_code)
            if path.startswith("/api/"):
                assert json.loads(response.content)["fields"] == {"q": [REFUSED]}


def test_the_message_speaks_chinese_by_default(api, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = api.get("/api/v1/cases/", {"q": NUL})
    assert response.json()["fields"] == {"q": ["此项不能包含空字符（\\u0000）。"]}

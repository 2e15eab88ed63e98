"""Discovery, services and service definitions, in both formats, against the specification's fields."""

import pytest

from cases.models import Category

from . import spec
from .conftest import call

pytestmark = pytest.mark.django_db


def test_it_describes_the_endpoint_in_discovery(client, fmt):
    answer = call(client, "get", "discovery", fmt)
    assert answer.status == 200
    assert list(answer.data) == spec.DISCOVERY
    (endpoint,) = answer.data["endpoints"]
    assert list(endpoint) == spec.ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_it_lists_services_with_the_specified_fields(client, catalogue, fmt):
    answer = call(client, "get", "services", fmt)
    assert answer.status == 200
    assert all(list(service) == spec.SERVICE for service in answer.data)
    by_code = {s["service_code"]: s for s in answer.data}
    lamp = by_code["05003"]
    assert lamp["service_name"] == "路灯不亮" and lamp["group"] == "公用设施部件"
    assert str(lamp["metadata"]).lower() == "true" and lamp["type"] == "realtime"
    assert str(by_code["01001"]["metadata"]).lower() == "false"


def test_it_offers_no_services_about_people(client, catalogue, fmt):
    codes = {s["service_code"] for s in call(client, "get", "services", fmt).data}
    assert "06001" not in codes and "10002" not in codes  # disputes, special groups
    assert "01" not in codes  # major classes are groups, not services


def test_it_leaves_inactive_categories_out(client, catalogue, fmt):
    Category.objects.filter(code="01001").update(is_active=False)
    assert "01001" not in {s["service_code"] for s in call(client, "get", "services", fmt).data}


def test_a_service_definition_has_the_specified_attributes(client, catalogue, fmt):
    answer = call(client, "get", "services/05001", fmt)
    assert answer.status == 200
    assert list(answer.data) == spec.SERVICE_DEFINITION
    assert answer.data["service_code"] == "05001"
    component, cover_type = answer.data["attributes"]
    for attribute in (component, cover_type):
        assert list(attribute) == spec.ATTRIBUTE
        assert attribute["datatype"] in spec.DATATYPES
    assert (cover_type["code"], cover_type["datatype"], str(cover_type["order"])) == (
        "cover_type",
        "singlevaluelist",
        "2",
    )
    assert str(cover_type["required"]).lower() == "true" and str(component["required"]).lower() == "false"
    assert str(cover_type["variable"]).lower() == "true"
    assert cover_type["description"] == "井盖类型"
    assert all(list(v) == spec.VALUE for v in cover_type["values"])
    assert {"key": "sewage", "name": "污水"} in cover_type["values"]
    assert component["values"] == []


def test_a_date_field_is_offered_as_a_datetime(client, catalogue, fmt):
    attributes = call(client, "get", "services/03001", fmt).data["attributes"]
    started = next(a for a in attributes if a["code"] == "started_on")
    assert started["datatype"] == "datetime"
    assert started["datatype_description"]


@pytest.mark.parametrize("path", ["services/99999", "services/06001", "services/01"])
def test_an_unknown_service_is_404(client, catalogue, fmt, path):
    answer = call(client, "get", path, fmt)
    assert answer.status == 404
    assert [list(e) for e in answer.data] == [spec.ERROR]
    assert str(answer.data[0]["code"]) == "404"


@pytest.mark.parametrize("path", ["services", "services/01001", "requests", "servicerequestupdates"])
def test_another_jurisdiction_is_404(client, catalogue, fmt, path):
    answer = call(client, "get", path, fmt, {"jurisdiction_id": "sfgov.org"})
    assert answer.status == 404
    assert "jurisdiction_id" in answer.data[0]["description"]


def test_the_configured_jurisdiction_and_an_empty_one_are_accepted(client, catalogue, fmt):
    ours = call(client, "get", "services", fmt, {"jurisdiction_id": "lhq.gridgov.local"})
    empty = call(client, "get", "services", fmt, {"jurisdiction_id": ""})
    absent = call(client, "get", "services", fmt)
    assert ours.status == empty.status == absent.status == 200
    assert ours.data == empty.data == absent.data


def test_an_unknown_resource_or_format_is_an_open311_404(client):
    for url, fmt in (("/open311/v2/nothing.json", "json"), ("/open311/v2/services.csv", "xml")):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")


def test_reading_resources_is_get_only(client, catalogue, fmt):
    answer = call(client, "post", "services", fmt)
    assert answer.status == 405
    assert answer.response["Allow"] == "GET"
    assert list(answer.data[0]) == spec.ERROR


def test_the_root_page_explains_the_endpoint_to_people(client, catalogue):
    response = client.get("/open311/v2/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "http://testserver/open311/v2/" in page and "lhq.gridgov.local" in page
    assert "05001" in page and "cover_type" in page and "10002" not in page


def test_pages_and_errors_speak_chinese_by_default(client, catalogue, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assert "接口地址" in client.get("/open311/v2/").content.decode()
    answer = call(client, "get", "requests", "json", {"status": "fixed"})
    assert answer.data[0]["description"].startswith("status 只能是 open 或 closed")

"""The JSON / XML rendering: the Spark convention's wrappers, empty elements, booleans, UTF-8."""

from xml.etree import ElementTree as ET

from open311.render import Open311Error, error_response, to_xml


def test_lists_become_wrappers_of_singular_elements():
    xml = to_xml(
        {"service_code": "05001", "attributes": [{"code": "a", "values": [{"key": "k", "name": "名"}]}]},
        "service_definition",
    )
    root = ET.fromstring(xml.encode())
    assert root.tag == "service_definition"
    assert [child.tag for child in root] == ["service_code", "attributes"]
    assert root.find("attributes/attribute/values/value/name").text == "名"


def test_none_is_an_empty_element_and_booleans_are_words():
    root = ET.fromstring(to_xml([{"description": None, "metadata": True, "lat": 28.2}], "services").encode())
    service = root.find("service")
    assert service.find("description").text is None
    assert service.find("metadata").text == "true"
    assert service.find("lat").text == "28.2"


def test_text_is_escaped():
    root = ET.fromstring(to_xml([{"description": "<b>&</b>"}], "service_requests").encode())
    assert root.find("request/description").text == "<b>&</b>"


def test_errors_carry_the_status_in_the_body_and_the_header():
    response = error_response(Open311Error(400, "one", "two"), "xml")
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert [(e.find("code").text, e.find("description").text) for e in root.findall("error")] == [
        ("400", "one"),
        ("400", "two"),
    ]


def test_characters_xml_cannot_carry_are_dropped():
    root = ET.fromstring(to_xml([{"description": "a\x0bb\x00c\nd"}], "service_requests").encode())
    assert root.find("request/description").text == "abc\nd"

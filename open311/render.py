"""GeoReport v2 bodies: one Python structure, rendered as JSON or as the specification's XML.

The JSON is the Spark-convention mapping of the XML: a list in JSON is a wrapper element in XML whose
children take the singular name (``attributes`` -> ``<attributes><attribute>``). ``None`` is JSON null and
an empty XML element; booleans are ``true``/``false`` in both.
"""

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# wrapper element -> item element, for every list the specification nests
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Characters XML 1.0 cannot carry at all (a C0 control in a description would make the document unparsable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def respond(data, fmt: str, *, root: str, status: int = 200, headers=None) -> HttpResponse:
    """``data`` is a list (rendered under ``<root>``) or a dict (rendered as ``<root>`` itself)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = to_xml(data, root)
    response = HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def to_xml(data, root: str) -> str:
    element = ET.Element(root)
    _fill(element, root, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def _fill(element, name, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[name]
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


class Open311Error(Exception):
    """Errors as the specification shapes them: a list of ``{code, description}`` and one HTTP status."""

    def __init__(self, status: int, *descriptions, code=None):
        super().__init__("; ".join(str(d) for d in descriptions))
        self.status = status
        self.errors = [{"code": code or status, "description": str(d)} for d in descriptions]


def error_response(error: Open311Error, fmt: str) -> HttpResponse:
    return respond(error.errors, fmt, root="errors", status=error.status)


def refuse_nul(request, fields: list[str], message: str) -> HttpResponse:
    """The refusal of ``gridgov.refuse_nul`` for a GeoReport request."""
    fmt = "json" if request.path_info.endswith(".json") else "xml"
    return error_response(Open311Error(400, *(f"{field}: {message}" for field in fields)), fmt)

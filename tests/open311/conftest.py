"""Open311 test helpers: a client key, calls in either format, and XML read back into the JSON shape.

The XML reader knows the specification's wrappers independently of ``open311.render`` (a list in JSON is
a wrapper element whose children carry the singular name), so both formats are checked against one
field list per resource (tests/open311/spec.py).
"""

import io
import json
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import Category
from intake.keys import integration_create

from .spec import WRAPPERS


@pytest.fixture(params=["json", "xml"])
def fmt(request):
    return request.param


@pytest.fixture
def client_key(db):
    _integration, key = integration_create(name="FixMyStreet", kind="open311")
    return key


@pytest.fixture
def integration(client_key):
    from intake.keys import integration_for_key

    return integration_for_key(client_key)


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


@pytest.fixture
def cover(catalogue):
    """井盖缺失: a required singlevaluelist attribute and an optional string."""
    return Category.objects.get(code="05001")


@pytest.fixture(autouse=True)
def _open311_settings(settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "OPEN311_MEDIA_HOSTS": ["media.example.org"],
        "OPEN311_RATE_LIMIT": 60,
    }


def photo_bytes(size=(64, 48), color=(30, 120, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def photo(name="photo.jpg"):
    return SimpleUploadedFile(name, photo_bytes(), content_type="image/jpeg")


def point(tree, grid=0):
    area = tree.grids[grid]
    return {"lat": str(area.centroid_lat), "long": str(area.centroid_lon)}


class Answer:
    """A response read in its format: ``.data`` is the JSON value, or the XML mapped onto the same shape."""

    def __init__(self, response, fmt):
        self.response, self.status, self.fmt = response, response.status_code, fmt
        content = response.content.decode()
        if fmt == "json":
            assert response["Content-Type"] == "application/json; charset=utf-8"
            self.data = json.loads(content)
            self.root = None
        else:
            assert response["Content-Type"] == "text/xml; charset=utf-8"
            assert content.startswith('<?xml version="1.0" encoding="utf-8"?>')
            self.root = ET.fromstring(content.encode())
            self.data = from_xml(self.root)

    def __repr__(self):
        return f"<Answer {self.status} {self.data!r}>"


def from_xml(element):
    """Wrapper elements become lists of their children; others dicts of their children or their text."""
    if element.tag in WRAPPERS:
        item = WRAPPERS[element.tag]
        assert all(child.tag == item for child in element), f"<{element.tag}> holds only <{item}>"
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text


def text(value):
    """A JSON value as XML carries it: the comparison both formats share."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def call(client, method, path, fmt, data=None, **extra):
    url = f"/open311/v2/{path}.{fmt}"
    if method == "get":
        return Answer(client.get(url, data or {}, **extra), fmt)
    return Answer(client.post(url, data or {}, **extra), fmt)


class counted_queries:
    """Every query run inside, counted at the cursor (independent of the debug query log)."""

    def __enter__(self):
        from django.db import connection

        self.sql = []
        self._wrapping = connection.execute_wrapper(self._count)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapping.__exit__(*exc)

    def _count(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __len__(self):
        return len(self.sql)


def approved(case):
    """Staff approved every photo of the case for the public (photo moderation, cases.moderation)."""
    from cases.models import Attachment, Publication

    Attachment.objects.filter(case=case).update(publication=Publication.APPROVED)
    return case

"""The citizens' public API in the OpenAPI document: every operation under /api/v1/public/ is there with
an example of each JSON body and answer, every example true to the schema it illustrates (objects closed, so
a stale field fails), and no operation asks for a login."""

import copy
import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_schema_validator import OAS30Validator

from tests.cases.test_api_examples import _closed

PUBLIC = "/api/v1/public/"
OPERATIONS = {
    ("post", "/api/v1/public/phone/code/"),
    ("post", "/api/v1/public/phone/verify/"),
    ("post", "/api/v1/public/reports/{public_id}/updates/"),
    ("get", "/api/v1/public/track/{token}/"),
    ("post", "/api/v1/public/track/{token}/answer/"),
    ("post", "/api/v1/public/alerts/"),
    ("post", "/api/v1/public/alerts/confirm/"),
    ("post", "/api/v1/public/alerts/unsubscribe/"),
}
# Declared on every operation by gridgov.api_schema (any request can be refused so); their examples are
# the project's, checked with the rest of the document.
SHARED = {"401", "403"}


@pytest.fixture(scope="module")
def spec():
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _public(spec):
    for path, operations in spec["paths"].items():
        if path.startswith(PUBLIC):
            for method, operation in operations.items():
                yield method, path, operation


def _media(spec):
    for method, path, operation in _public(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            yield f"{method.upper()} {path} request", body
        for code, answer in operation["responses"].items():
            media = answer.get("content", {}).get("application/json")
            if media and code not in SHARED:
                yield f"{method.upper()} {path} {code}", media


def test_every_public_operation_is_documented_without_a_login(spec):
    found = {(method, path) for method, path, _operation in _public(spec)}
    assert found == OPERATIONS
    for _method, _path, operation in _public(spec):
        assert operation["security"] == [{}] and operation["tags"] == ["public"]
        assert {"400", "404", "429"} <= set(operation["responses"])


def test_every_body_and_answer_has_an_example(spec):
    missing = [where for where, media in _media(spec) if not media.get("examples")]
    assert not missing, missing


def test_every_example_is_valid_against_its_schema(spec):
    components = _closed(copy.deepcopy(spec["components"]))
    checked, wrong = 0, []
    for where, media in _media(spec):
        validator = OAS30Validator({**_closed(media["schema"]), "components": components})
        for name, example in media.get("examples", {}).items():
            checked += 1
            errors = [error.message for error in validator.iter_errors(example["value"])]
            if errors:
                wrong.append((where, name, errors[:3]))
    assert checked >= 25
    assert not wrong, wrong

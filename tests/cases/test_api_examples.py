"""The API's OpenAPI document: valid, free of generator warnings, every case endpoint with examples, and
every example true to the schema it illustrates."""

import copy

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_schema_validator import OAS30Validator

CASE_PATHS = ("/api/v1/cases/", "/api/v1/categories/")


@pytest.fixture(scope="module")
def spec():
    import json

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _closed(schema):
    """The same schema with objects closed: an example keeping a field the API no longer has fails."""
    if isinstance(schema, dict):
        schema = {key: _closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [_closed(value) for value in schema]
    return schema


def _media(spec):
    """(where, media type object) for each JSON request body and answer of the case endpoints."""
    for path, operations in spec["paths"].items():
        if not path.startswith(CASE_PATHS):
            continue
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield f"{method.upper()} {path} request", body
            for code, answer in operation["responses"].items():
                media = answer.get("content", {}).get("application/json")
                if media:
                    yield f"{method.upper()} {path} {code}", media


def test_the_schema_is_valid_openapi_and_the_generator_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_case_endpoint_shows_an_example_of_each_body_and_answer(spec):
    missing = [where for where, media in _media(spec) if not media.get("examples")]
    assert not missing, missing
    actions = [path for path in spec["paths"] if path.startswith("/api/v1/cases/{id}/")]
    assert len(actions) > 20  # every workflow action is in the document


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
    assert checked > 60
    assert not wrong, wrong


def test_a_stale_example_field_is_caught(spec):
    """The check above can fail: an example with a field the serializer does not have is refused."""
    components = _closed(copy.deepcopy(spec["components"]))
    media = spec["paths"]["/api/v1/cases/{id}/dispatch/"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    validator = OAS30Validator({**_closed(media["schema"]), "components": components})
    example = next(iter(media["examples"].values()))["value"]
    assert validator.is_valid(example)
    assert not validator.is_valid({**example, "dept": "CGJ"})

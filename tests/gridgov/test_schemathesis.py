"""Property-based tests of the whole API against its own document (/api/schema/), with schemathesis.

Every operation is called with generated data (valid and invalid, NUL and all) as the district centre and
as a grid worker: no answer may be a 5xx, and every answer must conform to the status codes, content types
and bodies the document declares. Bounded and derandomized, so CI runs the same few examples each time.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

from cases.models import Category
from cases.services import case_report
from tests.residents.conftest import Register, fill_grid

pytestmark = pytest.mark.schema_fuzz

EXAMPLES = 10  # per operation and user (113 operations): ~80 s on SQLite, ~90 s on PostgreSQL, 2 cores
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_in_the_test_transaction():
    """Requests through the WSGI app, as Django's test client makes them, keep the test's connection open.

    A real request closes the database connection when it finishes; the test's transaction (and its data)
    lives on that connection. Django's test client disconnects the same receivers while it calls the app.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(tree, django_user_model, wsgi_in_the_test_transaction):
    """The document, on data like the demo's: two grids' register (buildings, households, persons
    as the residents fixtures fill them) and three open cases, so list and detail answers carry real rows."""
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    register = Register(tree=tree)
    seq = 1
    for grid in tree.grids[:2]:
        seq = fill_grid(register, grid, root, seq_start=seq)
    rubbish = Category.objects.get(code="01001")
    grid = tree.grids[0]
    for title in ("东门垃圾堆放", "路灯不亮", "井盖缺失"):
        case_report(
            actor=tree.users["worker"],
            category=rubbish,
            title=title,
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
        )
    return schemathesis.openapi.from_wsgi("/api/schema/", wsgi_in_the_test_transaction)


@pytest.fixture
def tokens(tree):
    return {
        role: {"Authorization": f"Token {Token.objects.create(user=tree.users[role]).key}"}
        for role in ("centre", "worker")
    }


@pytest.mark.timeout(900)  # a loaded CI machine; an idle one takes a minute or two
def test_the_api_keeps_its_document(api_schema, tokens):
    # One test walks every operation, so the data is built once (schemathesis's ``parametrize`` makes a
    # test per operation, each building it again; its fixture-based loader does not run under pytest 9);
    # each operation still gets its own bounded Hypothesis run, and every operation's failures are
    # reported together. Nothing is skipped: what an operation changes (a voided case, a deleted rule)
    # stays inside the test's transaction, and derandomized runs make the same changes in the same order.
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing example is reported
            suppress_health_check=list(HealthCheck),
        )
        def examples(case):
            for headers in tokens.values():
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            examples()
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis raises a group of failures
            failures.append(f"{operation.label}\n{failure}")
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)

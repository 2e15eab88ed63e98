"""Property-based tests of the whole API against its own document (/api/schema/), with schemathesis.

Every operation is called with generated data (valid and invalid, NUL and all) as the district centre and
as a grid worker: no answer may be a 5xx, and every answer must conform to the status codes, content types
and bodies the document declares. The integration endpoints (hotline orders, sensor alerts) take only an
integration key, so they are fuzzed again with valid keys of their kinds, half of the examples made
plausible (a mapped category, a ruled alert type, a point in a grid, a known order) so that the cases they
open, join and evaluate are answered too. Bounded and derandomized, so CI runs the same few examples each
time.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from cases.models import Category
from cases.services import case_report
from intake.hotline import order_receive
from intake.keys import integration_create
from intake.models import HotlineCategoryMap, SensorAlertRule
from tests.residents.conftest import Register, fill_grid

pytestmark = pytest.mark.schema_fuzz

EXAMPLES = 10  # per operation and user (113 operations): ~80 s on SQLite, ~90 s on PostgreSQL, 2 cores
KEYED_EXAMPLES = 40  # per integration operation (5 operations), raw and made plausible
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


# Answers uncompressed: GZipMiddleware compresses for a client that accepts gzip, and schemathesis' WSGI
# transport asks for it without decoding what comes back.
PLAIN = {"Accept-Encoding": "identity"}


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
                case.call_and_validate(headers={**headers, **PLAIN}, checks=CHECKS)

        try:
            examples()
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis raises a group of failures
            failures.append(f"{operation.label}\n{failure}")
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)


def _examples(strategy, headers, examples_each):
    @given(case=strategy)
    @settings(
        max_examples=examples_each,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def examples(case):
        case.call_and_validate(headers={**headers, **PLAIN}, checks=CHECKS)

    return examples


def _run(operations, strategy_for, headers_for, examples_each) -> list[str]:
    failures = []
    for operation in operations:
        try:
            _examples(strategy_for(operation), headers_for(operation), examples_each)()
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label}\n{failure}")
    return failures


@pytest.fixture
def integrations(tree):
    """A hotline (its code HL-0301 mapped, one order received) and a sensor platform (bin_full ruled)."""
    rubbish = Category.objects.get(code="01001")
    hotline, hotline_key = integration_create(name="市12345热线", kind="hotline")  # no webhook: no network
    HotlineCategoryMap.objects.create(integration=hotline, their_code="HL-0301", category=rubbish)
    sensors, sensor_key = integration_create(name="智慧环卫平台", kind="sensor")
    SensorAlertRule.objects.create(
        integration=sensors, alert_type="bin_full", category=rubbish, window_minutes=30
    )
    grid = tree.grids[0]
    order_receive(
        integration=hotline,
        data={
            "external_id": "GD-0001",
            "category": "HL-0301",
            "title": "小区东门垃圾堆积",
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
        },
    )
    return {"hotline": hotline_key, "sensors": sensor_key}


def _plausible(tree):
    """Keeps the generated shapes and values but for the ones that decide whether anything happens."""
    grid = tree.grids[0]

    def fix(case):
        if case.path_parameters and "external_id" in case.path_parameters:
            case.path_parameters = {**case.path_parameters, "external_id": "GD-0001"}
        if isinstance(case.body, dict):
            body = dict(case.body)
            if "category" in body:
                body["category"] = "HL-0301"
            if "alert_type" in body:
                body["alert_type"] = "bin_full"
            if "lat" in body or "lon" in body:
                body["lat"], body["lon"] = grid.centroid_lat, grid.centroid_lon
            case.body = body
        return case

    return fix


@pytest.mark.timeout(900)
def test_the_integration_endpoints_keep_their_document_with_a_key(api_schema, integrations, tree):
    intake = api_schema.include(path_regex=r"^/api/v1/intake/(hotline|sensors)/")
    operations = [result.ok() for result in intake.get_all_operations()]
    assert len(operations) >= 4  # orders: list, create, read, callback; alerts: create
    plausible = _plausible(tree)

    def strategy_for(operation):
        generated = operation.as_strategy()
        return st.one_of(generated, generated.map(plausible))

    def headers(operation):
        kind = "hotline" if "/hotline/" in operation.path else "sensors"
        return {"Authorization": f"Api-Key {integrations[kind]}"}

    failures = _run(operations, strategy_for, headers, KEYED_EXAMPLES)
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)


@pytest.fixture
def citizens(tree):
    """What a citizen holds: an open published report, the link of a closed one, a verified phone's token,
    a subscription's unsubscribe token, a community's code."""
    from django.core import signing

    from cases.models import Source
    from cases.tokens import citizen_token
    from intake import phones
    from open311 import alerts
    from tests.intake.test_citizens import _close
    from tests.pages.conftest import report

    rubbish = Category.objects.get(code="01001")
    open_report = report(tree, rubbish, source=Source.CITIZEN, reporter_phone="13800001234")
    closed = report(tree, rubbish, source=Source.CITIZEN, reporter_phone="13800001234")
    _close(tree, closed)
    phone_token = signing.dumps({"phone": "13900001111"}, salt=phones.TOKEN_SALT)
    subscription = alerts.subscribe(
        ip="10.0.0.1", verified_phone="13900001111", public_id=open_report.public_id
    )
    return {
        "public_id": open_report.public_id,
        "token": citizen_token(closed),
        "phone_token": phone_token,
        "stop": alerts.unsubscribe_token(subscription),
        "area": tree.communities[0].code,
    }


def _plausible_citizen(citizens):
    """Real ids and tokens where the generated ones would only be refused; each example starts with the
    limits' counters empty (the cache), so the rules behind them are reached, not only the 429."""
    from django.core.cache import cache

    def fix(case):
        cache.clear()
        if case.path_parameters:
            known = {"public_id": citizens["public_id"], "token": citizens["token"]}
            case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
        if isinstance(case.body, dict):
            known = {
                "phone_token": citizens["phone_token"],
                "report": citizens["public_id"],
                "area": citizens["area"],
                "token": citizens["stop"],
                "phone": "13900001111",
                "email": "",
                "text": "还在",
                "words": "还在",
            }
            if case.path.endswith("/alerts/"):  # by the verified phone (a generated e-mail is rarely valid)
                case.body = {**case.body, "area": "", "phone_token": "", "email": ""}
            case.body = {k: known.get(k, v) for k, v in case.body.items() if k != "photo"}
        return case

    return fix


@pytest.mark.timeout(900)
def test_the_citizens_public_endpoints_keep_their_document(api_schema, citizens):
    public = api_schema.include(path_regex=r"^/api/v1/public/")
    operations = [result.ok() for result in public.get_all_operations()]
    assert len(operations) == 8
    plausible = _plausible_citizen(citizens)

    def strategy_for(operation):
        generated = operation.as_strategy()
        return st.one_of(generated, generated.map(plausible))

    failures = _run(operations, strategy_for, lambda operation: {}, KEYED_EXAMPLES)
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)

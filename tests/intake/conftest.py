import pytest
from rest_framework.test import APIClient

from cases.models import Category
from intake.keys import integration_create
from intake.models import SensorAlertRule
from tests.factories import photo  # noqa: F401  (re-exported: tests import it from here)


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


@pytest.fixture
def hotline(tree):
    integration, key = integration_create(
        name="市12345热线", kind="hotline", webhook_url="https://hotline.example/hook"
    )
    integration.key = key
    return integration


@pytest.fixture
def sensor_platform(tree, rubbish):
    integration, key = integration_create(name="智慧环卫平台", kind="sensor")
    integration.key = key
    SensorAlertRule.objects.create(
        integration=integration, alert_type="bin_full", category=rubbish, window_minutes=30
    )
    return integration


def client_for(integration):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {integration.key}")
    return client


def order(tree, **overrides):
    grid = tree.grids[0]
    return {
        "external_id": "GD-0001",
        "category": "01001",
        "title": "小区东门垃圾堆积",
        "content": "三天无人清运",
        "caller_name": "王女士",
        "caller_phone": "13800001234",
        "address": "岳麓大道 88 号",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        **overrides,
    }


class FakeReceiver:
    """Stands in for the integrations' servers: records each POST and answers from ``codes`` (default 200)."""

    def __init__(self):
        self.requests, self.codes = [], []

    def __call__(self, request, timeout=None):
        import urllib.error

        self.requests.append(request)
        code = self.codes.pop(0) if self.codes else 200
        if isinstance(code, Exception):
            raise code
        if code >= 400:
            raise urllib.error.HTTPError(request.full_url, code, "Server Error", {}, None)
        return _Response(code)


class _Response:
    def __init__(self, status):
        self.status = status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture(autouse=True)
def receiver(monkeypatch):
    """No network in tests: every webhook POST lands here."""
    fake = FakeReceiver()
    monkeypatch.setattr("intake.webhooks.urllib.request.urlopen", fake)
    return fake

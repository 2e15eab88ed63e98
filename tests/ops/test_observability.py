"""Metrics behind a token or a staff login, the request id through logs and Celery, liveness and readiness."""

import json
import logging
from pathlib import Path

import pytest
from celery import shared_task
from django.core.cache import cache
from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

from dispatch import tasks as dispatch_tasks
from gridgov import health, observability
from grids.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_folders(settings):
    """The filesystem broker's folders (./dev makes them; the queue-length gauge reads them)."""
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        if folder := settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key):
            Path(folder).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def token(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "METRICS_TOKEN": "s3cret-token"}
    return "s3cret-token"


def test_it_refuses_metrics_to_a_stranger_and_to_a_wrong_token(client, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    member = User.objects.create_user("member", password="x")
    client.force_login(member)
    assert client.get("/metrics").status_code == 403


def test_it_answers_metrics_to_the_token_and_to_staff(client, token):
    client.get("/healthz/live")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for name in (
        "django_http_requests_total_by_method_total",  # requests (django-prometheus)
        "django_db_execute_total",  # database
        "gridgov_celery_queue_length",
        "gridgov_sweep_backlog",
        "gridgov_outbox_backlog",
    ):
        assert name in body, name
    owner = User.objects.create_user("owner", password="x", is_staff=True)
    client.force_login(owner)
    assert client.get("/metrics").status_code == 200


def test_it_reports_the_sweep_run_and_its_backlog(client, token):
    dispatch_tasks.sweep_deadlines.apply()
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    assert 'gridgov_sweep_last_run{key="age_seconds"}' in body
    assert "gridgov_sweep_duration_seconds_count" in body
    assert 'gridgov_sweep_backlog{key="overdue"} 0.0' in body


def test_it_names_the_request_in_its_answer_and_keeps_a_plain_given_id(client):
    made = client.get("/healthz/live")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz/live", HTTP_X_REQUEST_ID="lb-42.a")["X-Request-ID"] == "lb-42.a"
    refused = client.get("/healthz/live", HTTP_X_REQUEST_ID="bad id\n<script>")["X-Request-ID"]
    assert refused != "bad id\n<script>" and len(refused) == 32


def test_it_writes_json_lines_with_the_request_id():
    record = logging.LogRecord("gridgov.x", logging.WARNING, __file__, 1, "hello %s", ("世界",), None)
    token = observability.REQUEST_ID.set("req-1")
    try:
        observability.RequestIdFilter().filter(record)
    finally:
        observability.REQUEST_ID.reset(token)
    line = json.loads(observability.JsonFormatter().format(record))
    assert line["message"] == "hello 世界"
    assert line["request_id"] == "req-1"
    assert line["level"] == "WARNING"


@shared_task
def seen_request_id():
    return observability.request_id()


def test_it_carries_the_request_id_into_a_celery_task():
    headers: dict = {}
    token = observability.REQUEST_ID.set("req-77")
    try:
        observability._publish(headers=headers)
    finally:
        observability.REQUEST_ID.reset(token)
    assert headers == {"request_id": "req-77"}
    assert seen_request_id.apply(headers=headers).get() == "req-77"
    assert seen_request_id.apply().get().startswith("task-")


@shared_task
def failing_task():
    raise RuntimeError("boom")


def test_it_counts_task_durations_and_failures():
    failures = observability.TASK_FAILURES.labels(failing_task.name)
    before = failures._value.get()
    failing_task.apply(throw=False)
    assert failures._value.get() == before + 1
    samples = {
        (s.name, s.labels.get("task")): s.value
        for metric in observability.TASK_SECONDS.collect()
        for s in metric.samples
    }
    assert samples[("gridgov_celery_task_duration_seconds_count", failing_task.name)] >= 1


def test_it_keeps_liveness_apart_from_readiness(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "database", _broken_database)
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/healthz/ready").status_code == 503
    assert client.get("/healthz").status_code == 503


def _broken_database():
    raise ConnectionError("database down")


def test_it_counts_cache_hits_and_keeps_a_cached_zero(settings):
    settings.CACHES = {"default": {"BACKEND": "gridgov.metrics_cache.LocMemCache", "LOCATION": "ops-test"}}
    hits = django_cache_hits_total.labels(backend="locmem")
    misses = django_cache_misses_total.labels(backend="locmem")
    before = hits._value.get(), misses._value.get()
    cache.set("zero", 0)
    assert cache.get("zero", "default") == 0
    assert cache.get("absent", "default") == "default"
    assert (hits._value.get(), misses._value.get()) == (before[0] + 1, before[1] + 1)

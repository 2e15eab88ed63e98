"""/healthz: database, broker and cache, each reported; any failure is a 503 that names it."""

import pytest

from gridgov import health

pytestmark = pytest.mark.django_db


def failing(message, kind=ConnectionError):
    def check():
        raise kind(message)

    return check


def test_it_reports_200_with_the_three_checks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache"}
    for check in body["checks"].values():
        assert check["ok"] is True
        assert "error" not in check
        assert check["ms"] >= 0


def test_it_needs_no_login_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200  # a load balancer has no session
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["cache", "broker", "database"])
def test_it_reports_503_naming_the_failing_check(client, monkeypatch, name):
    monkeypatch.setitem(health.CHECKS, name, failing("Connection refused by 10.0.0.7:6379"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"][name] == {
        "ok": False,
        "error": "ConnectionError: Connection refused by 10.0.0.7:6379",
        "ms": body["checks"][name]["ms"],
    }
    healthy = {other for other, check in body["checks"].items() if check["ok"]}
    assert healthy == {"database", "broker", "cache"} - {name}


def test_it_runs_every_check_even_after_one_fails(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", failing("broker down"))
    monkeypatch.setitem(health.CHECKS, "cache", failing("cache down", kind=TimeoutError))
    body = client.get("/healthz").json()
    assert body["checks"]["broker"]["error"] == "ConnectionError: broker down"
    assert body["checks"]["cache"]["error"] == "TimeoutError: cache down"
    assert body["checks"]["database"]["ok"] is True


def test_the_cache_check_fails_when_the_cache_loses_values(client, monkeypatch):
    # A cache that accepts writes and returns nothing (a full memcached, a dummy backend) is not healthy.
    from django.core.cache import caches

    monkeypatch.setattr(type(caches["default"]), "get", lambda *args, **kwargs: None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["error"].startswith("RuntimeError: cache did not return")

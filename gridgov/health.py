"""Health: ``/healthz/live`` (liveness: the process answers, nothing else is touched — a failing database
must not get the web container restarted), ``/healthz/ready`` (readiness: the database, the Celery broker
and the cache, each reported; 503 takes the instance out of the load balancer) and ``/healthz``, the
readiness answer under its first name (Docker's health check and existing monitors)."""

import contextlib
import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "broker": _check_broker, "cache": _check_cache}


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            report[name] = {"ok": True}
        except Exception as exc:  # a health check reports every failure, whatever its kind
            healthy = False
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    # When the Celery worker last ran beat's heartbeat task: information for the operator, not a
    # failure (the web tier serves without a worker; the sweep catches up when it returns).
    heartbeat = None
    with contextlib.suppress(Exception):  # the cache check above already reports a broken cache
        heartbeat = cache.get("gridgov:heartbeat")
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": report, "worker_heartbeat": heartbeat},
        status=200 if healthy else 503,
    )


ready = healthz

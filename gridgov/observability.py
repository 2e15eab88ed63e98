"""Observability: a request id through the logs and into Celery tasks, JSON log lines, and the metrics
Prometheus scrapes (``/metrics``, protected).

* **Request id.** ``RequestIdMiddleware`` takes the caller's ``X-Request-ID`` (a proxy's, when it is a
  plain token of at most 64 characters) or makes one, keeps it in a context variable for the request and
  answers with it. ``RequestIdFilter`` puts it on every log record; ``JsonFormatter`` writes one JSON object
  a line. Celery carries it with its documented signals: ``before_task_publish`` adds it to the message's
  headers, ``task_prerun`` sets it for the task's run (a task's own log lines name the request that sent it),
  ``task_postrun`` clears it.
* **Metrics.** django-prometheus counts requests, database queries and cache calls (its middleware,
  database and cache backends, set in the settings). Here, through prometheus_client's public API: Celery
  task durations and failures (histogram and counter, per task name), the sweep's duration, and gauges read
  when Prometheus scrapes (``gauge_register``: the apps add theirs — the sweep's backlog, the outbox's
  pending deliveries; here the broker's queue lengths and the sweep's last run, from the cache).
  Under gunicorn with several processes and a Celery worker on the same node, set
  ``PROMETHEUS_MULTIPROC_DIR`` to one directory for all of them: ``/metrics`` then adds up every process
  (prometheus_client's multiprocess mode; deploy/gunicorn.conf.py marks dead workers).
"""

import contextvars
import hmac
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from kombu.exceptions import ChannelError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .celery import app as celery_app

log = logging.getLogger(__name__)

HEADER = "X-Request-ID"
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SWEEP_CACHE_KEY = "gridgov:sweep:last"


# --- Request id -------------------------------------------------------------------------------------------
def request_id() -> str:
    return REQUEST_ID.get()


class RequestIdMiddleware:
    """The request's id: the caller's ``X-Request-ID`` when it is a plain token, else a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        rid = given if _VALID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        # Set, not reset after: Django logs a 4xx/5xx answer (django.request) once the middleware chain has
        # returned, still on this thread. The next request on the thread sets its own.
        REQUEST_ID.set(rid)
        response = self.get_response(request)
        response.headers[HEADER] = rid
        return response


class RequestIdFilter(logging.Filter):
    """Every record carries ``request_id`` (``-`` outside a request or task)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            request = getattr(record, "request", None)  # django.request's records carry the request
            record.request_id = getattr(request, "request_id", None) or REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id, traceback."""

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get() or "-",
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: the id in the message, task durations and failures ------------------------------------------
TASK_SECONDS = Histogram(
    "gridgov_celery_task_duration_seconds",
    "Celery task run time, by task name",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
TASK_FAILURES = Counter(
    "gridgov_celery_task_failures_total", "Celery tasks that raised, by task name", ["task"]
)
SWEEP_SECONDS = Histogram(
    "gridgov_sweep_duration_seconds",
    "One run of the deadline sweep (every step)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
_STARTED: dict[str, float] = {}


@before_task_publish.connect(dispatch_uid="gridgov.observability.publish")
def _publish(headers=None, **kwargs):
    rid = REQUEST_ID.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


def _task_request_id(task) -> str:
    request = getattr(task, "request", None)
    rid = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    return rid if isinstance(rid, str) and _VALID.match(rid) else ""


@task_prerun.connect(dispatch_uid="gridgov.observability.prerun")
def _prerun(task_id=None, task=None, **kwargs):
    REQUEST_ID.set(_task_request_id(task) or f"task-{task_id}")
    _STARTED[task_id] = time.perf_counter()


@task_postrun.connect(dispatch_uid="gridgov.observability.postrun")
def _postrun(task_id=None, task=None, **kwargs):
    started = _STARTED.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task.name).observe(time.perf_counter() - started)
    REQUEST_ID.set("")


@task_failure.connect(dispatch_uid="gridgov.observability.failure")
def _failure(sender=None, **kwargs):
    TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()


def sweep_record(seconds: float) -> None:
    """The sweep task reports each run: the histogram, and the cache for the scrape-time gauges (the
    worker's process is not the one Prometheus scrapes unless multiprocess mode is on)."""
    SWEEP_SECONDS.observe(seconds)
    cache.set(SWEEP_CACHE_KEY, {"at": time.time(), "seconds": seconds}, None)


# --- Gauges read at scrape time --------------------------------------------------------------------------
GAUGES: dict[str, tuple[str, Callable[[], float | dict[str, float]]]] = {}


def gauge_register(name: str, documentation: str, fn: Callable[[], float | dict[str, float]]) -> None:
    """A gauge computed when Prometheus scrapes: ``fn()`` returns a number, or {label value: number} (the
    label is ``name``'s ``key``). Apps register theirs from AppConfig.ready."""
    GAUGES[name] = (documentation, fn)


class ScrapeCollector(Collector):
    def describe(self):
        return []  # computed at scrape time only (without this the registry would collect on register)

    def collect(self):
        for name, (documentation, fn) in GAUGES.items():
            try:
                value = fn()
            except Exception:  # a broken source is a missing series and a log line, never a failed scrape
                log.warning("metrics: gauge %s failed", name, exc_info=True)
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, documentation, labels=["key"])
                for key, number in value.items():
                    family.add_metric([key], number)
            else:
                family = GaugeMetricFamily(name, documentation, value=value)
            yield family


def queue_lengths() -> dict[str, float]:
    """Messages waiting in each Celery queue the app knows (the broker's own count, any transport)."""
    found = {}
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        channel = conn.default_channel
        for name in celery_app.amqp.queues or {"celery": None}:
            try:
                found[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:  # Redis keeps no empty list: a queue not declared yet holds nothing
                found[name] = 0
    return found


def sweep_last() -> dict[str, float]:
    last = cache.get(SWEEP_CACHE_KEY)
    if not last:
        return {}
    return {"age_seconds": time.time() - last["at"], "duration_seconds": last["seconds"]}


gauge_register("gridgov_celery_queue_length", "Messages waiting in each Celery queue", queue_lengths)
gauge_register("gridgov_sweep_last_run", "The deadline sweep's last run: its age and duration", sweep_last)
_COLLECTOR = ScrapeCollector()
REGISTRY.register(_COLLECTOR)


# --- The endpoint -----------------------------------------------------------------------------------------
def _allowed(request) -> bool:
    token = settings.GRIDGOV.get("METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _registry():
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_COLLECTOR)
    return registry


@never_cache
def metrics(request):
    """Prometheus' text format, for a bearer token (settings.GRIDGOV["METRICS_TOKEN"]) or a staff user."""
    if not _allowed(request):
        return HttpResponse("metrics: token or staff login required\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)

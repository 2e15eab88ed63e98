"""A real Celery worker and beat on Redis: beat's sweep escalates an overdue case, the worker delivers.

Skipped where no Redis answers. The worker and beat run as subprocesses against this test's database
(the SQLite test file or the PostgreSQL test database) and a Redis database of the test's own.
"""

import os
import shelve
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseEvent
from dispatch.models import DeliveryStatus, NotificationDelivery

from .conftest import publishing_to as _publishing_to
from .conftest import report

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GRIDGOV_TEST_REDIS_URL") or settings.REDIS_URL or "redis://127.0.0.1:6379/11"
WAIT = 60  # seconds: every wait below polls and gives up after this


def _redis():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


def _database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


def _schedule_due_now(path):
    """Beat's schedule file with the sweep last run two minutes ago, so beat sends it at once."""
    from celery.beat import ScheduleEntry

    from gridgov.celery import app

    entry = app.conf.beat_schedule["dispatch-sweep"]
    with shelve.open(str(path)) as db:
        db["entries"] = {
            "dispatch-sweep": ScheduleEntry(
                name="dispatch-sweep",
                task=entry["task"],
                schedule=entry["schedule"],
                options=entry.get("options", {}),
                last_run_at=app.now() - timedelta(minutes=2),
                app=app,
            )
        }
        db["__version__"] = __import__("celery").__version__
        db["tz"] = app.conf.timezone
        db["utc_enabled"] = app.conf.enable_utc


@pytest.fixture
def celery_processes(tmp_path, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = _redis()
    if client is None:
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    client.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "GRIDGOV_VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    schedule = tmp_path / "celerybeat-schedule"
    _schedule_due_now(schedule)
    common = [sys.executable, "-m", "celery", "-A", "gridgov"]
    # Each child writes to its own copy of the log file; ours is closed once both have started.
    with open(tmp_path / "worker.log", "w") as worker_log, open(tmp_path / "beat.log", "w") as beat_log:
        procs = [
            subprocess.Popen(
                common
                + [
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            ),
            subprocess.Popen(
                common + ["beat", "-s", str(schedule), "--max-interval", "1", "-l", "info"],
                cwd=ROOT,
                env=env,
                stdout=beat_log,
                stderr=subprocess.STDOUT,
            ),
        ]
    with _publishing_to(REDIS_URL):
        yield tmp_path
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    client.flushdb()


def _wait_for(predicate, what, logs_dir):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(Path(logs_dir).glob("*.log")))
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def test_beat_and_a_worker_escalate_an_overdue_case_and_deliver_its_notices(tree, rubbish, celery_processes):
    handler = tree.users["handler"]
    handler.email = "handler@example.org"
    handler.save()
    long_ago = timezone.now() - timedelta(hours=2)
    overdue = report(tree, rubbish, at=long_ago)  # its filing limit (30 min) passed 90 minutes ago
    fresh = report(tree, rubbish)
    case_services.case_file(case_id=fresh.pk, actor=tree.users["community"])
    case_services.case_dispatch(
        case_id=fresh.pk, actor=tree.users["community"], department=tree.departments[0]
    )

    # The dispatch notice's email copy goes through the broker to the worker.
    _wait_for(
        lambda: NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).exists(),
        "the worker to deliver the dispatch e-mail",
        celery_processes,
    )
    # Beat sends the sweep; the worker runs it: red, and climbing to the district (caught up at once).
    _wait_for(
        lambda: Case.objects.filter(pk=overdue.pk, alert="red", level="district").exists(),
        "beat's sweep to escalate the overdue case",
        celery_processes,
    )
    assert CaseEvent.objects.filter(case=overdue, kind="overdue").count() == 1
    assert CaseEvent.objects.filter(case=fresh, kind="overdue").count() == 0
    worker_log = (celery_processes / "worker.log").read_text()
    assert (
        "dispatch.tasks.deliver_notifications" in worker_log
        and "dispatch.tasks.sweep_deadlines" in worker_log
    )

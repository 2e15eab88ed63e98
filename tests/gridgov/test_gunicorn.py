"""The production path, short of Docker: settings refuse unsafe values, and the image's entrypoint brings
the app up under real gunicorn with deploy/gunicorn.conf.py until /healthz answers.

The subprocesses get their own var dir and SQLite database, whatever DATABASE_URL the test run has:
starting a server must never migrate or write to a database the suite did not create.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
STARTUP_LIMIT = 20  # seconds for gunicorn to answer once migrations are in
PRODUCTION_KEY = secrets.token_urlsafe(50)


def isolated_env(tmp_path, **values):
    """The environment of a fresh server: nothing inherited that could point at a shared service."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GRIDGOV_", "CELERY_"))}
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "POSTGRES_PASSWORD",
        "AWS_STORAGE_BUCKET_NAME",
        "EMAIL_URL",
    ):
        env.pop(name, None)
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        GRIDGOV_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="gridgov.settings",
    )
    env.update(values)
    return env


def production_env(tmp_path, **values):
    return isolated_env(
        tmp_path,
        GRIDGOV_ENV="production",
        SECRET_KEY=PRODUCTION_KEY,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        **values,
    )


def import_settings(env):
    return subprocess.run(
        [sys.executable, "-c", "import gridgov.settings as s; print('DEBUG', s.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- production settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": None}, "Production refuses the development SECRET_KEY"),
        (
            {"SECRET_KEY": "dev-insecure-gridgov-key-do-not-use-in-production"},
            "Production refuses the development SECRET_KEY",
        ),
        ({"SECRET_KEY": "short-but-not-the-dev-key"}, "Production refuses the development SECRET_KEY"),
        ({"DEBUG": "1"}, "Production refuses DEBUG=on."),
        ({"DEBUG": "true"}, "Production refuses DEBUG=on."),
        ({"ALLOWED_HOSTS": None}, "Production needs ALLOWED_HOSTS."),
        ({"ALLOWED_HOSTS": ""}, "Production needs ALLOWED_HOSTS."),
    ],
)
def test_production_settings_refuse_unsafe_values(tmp_path, overrides, message):
    env = production_env(tmp_path)
    for name, value in overrides.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    result = import_settings(env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_import_with_a_correct_environment(tmp_path):
    result = import_settings(production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


def test_development_settings_need_nothing_set(tmp_path):
    result = import_settings(isolated_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG True"


# --- gunicorn ---------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_healthz(port, host="127.0.0.1"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_healthz(port, server):
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{server.stderr.read()}")
        try:
            status, body = get_healthz(port)
        except OSError:  # not listening yet
            time.sleep(0.1)  # a subprocess's start-up cannot be frozen; poll it briefly and bounded
            continue
        if status == 200:
            return body
        pytest.fail(f"/healthz answered {status}: {body!r}")
    pytest.fail(f"gunicorn did not answer /healthz within {STARTUP_LIMIT} s")


@pytest.fixture
def server_env(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        GUNICORN_ACCESS_LOG="",  # keep the test output quiet
    )
    return port, env


def start(command, env):
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    server.stdout.close()
    server.stderr.close()


def test_the_entrypoint_migrates_collects_static_and_serves_under_gunicorn(server_env, tmp_path):
    port, env = server_env
    server = start([str(ROOT / "deploy" / "entrypoint.sh"), "web"], env)
    try:
        # migrate + collectstatic run before gunicorn binds; give them their own bound first.
        deadline = time.monotonic() + 90
        while not (tmp_path / "static" / "staticfiles.json").exists() and server.poll() is None:
            assert time.monotonic() < deadline, "migrate + collectstatic took over 90 s"
            time.sleep(0.1)
        body = wait_for_healthz(port, server)
        assert body["status"] == "ok"
        assert set(body["checks"]) == {"database", "broker", "cache"}
        assert all(check["ok"] for check in body["checks"].values()), body
        assert (tmp_path / "var" / "gridgov.sqlite3").exists()  # its own database, migrated
        # Production settings are what gunicorn runs: an unknown Host is refused, not served.
        status, _ = get_healthz(port, host="evil.example.com")
        assert status == 400
    finally:
        stop(server)
    assert server.returncode == 0  # SIGTERM is a graceful shutdown, not a crash


def run_healthcheck(env, port, allowed_hosts):
    return subprocess.run(
        [sys.executable, "deploy/healthcheck.py"],
        cwd=ROOT,
        env={**env, "PORT": str(port), "ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_gunicorn_serves_healthz_after_manage_migrate(server_env, tmp_path):
    port, env = server_env
    # The settings create no folders (the entrypoint and ./dev do): an operator running manage.py by hand
    # makes the var folder first, as the deployment notes say.
    (tmp_path / "var").mkdir()
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr
    server = start(
        [
            str(VENV_BIN / "gunicorn"),
            "gridgov.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-c",
            "deploy/gunicorn.conf.py",
        ],
        env,
    )
    try:
        body = wait_for_healthz(port, server)
        assert body["status"] == "ok"
        healthy = {name for name, check in body["checks"].items() if check["ok"]}
        assert healthy == {"database", "broker", "cache"}

        # Docker's health check (deploy/healthcheck.py) sends the first allowed host, as Django demands.
        assert run_healthcheck(env, port, "localhost,127.0.0.1").returncode == 0
        assert run_healthcheck(env, port, ".localhost").returncode == 0
        refused = run_healthcheck(env, port, "gridgov.example.gov.cn")  # not a host this server allows
        assert refused.returncode == 1
    finally:
        stop(server)
    assert server.returncode == 0


# --- the entrypoint's database URL ------------------------------------------------------------------


def entrypoint_database_url(tmp_path, **values):
    env = isolated_env(tmp_path, **values)
    result = subprocess.run(
        [
            str(ROOT / "deploy" / "entrypoint.sh"),
            "python",
            "-c",
            "import os; print(os.environ['DATABASE_URL'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_entrypoint_builds_the_database_url_from_the_compose_password(tmp_path):
    url = entrypoint_database_url(tmp_path, POSTGRES_PASSWORD="p@ss:/w#rd?", POSTGRES_HOST="db")
    assert url == "postgres://gridgov:p%40ss%3A%2Fw%23rd%3F@db:5432/gridgov"
    import environ

    parsed = environ.Env.db_url_config(url)
    assert (parsed["PASSWORD"], parsed["HOST"], parsed["NAME"]) == ("p@ss:/w#rd?", "db", "gridgov")


def test_the_entrypoint_keeps_an_explicit_database_url(tmp_path):
    explicit = "postgres://ops:secret@db.internal:6432/gridgov"
    assert entrypoint_database_url(tmp_path, POSTGRES_PASSWORD="ignored", DATABASE_URL=explicit) == explicit

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from gridgov import outbox
from tests.factories import build_tree


@pytest.fixture(scope="session", autouse=True)
def _var_dirs():
    # The settings create no folders; ``./dev test`` does, and so does this for a bare ``pytest``. Autouse
    # runs it before the session's database setup (SQLite's test database lives in the var folder);
    # WhiteNoise warns on every client without the static root.
    for folder in (settings.VAR_DIR, settings.STATIC_ROOT):
        Path(folder).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"  # assertions read English; a test of the Chinese default sets it back
    # The second factor required of the centre and superusers is off for the tests that are not about it
    # (tests/gridgov/test_logins.py turns it on); the optional one stays on for whoever sets up a device.
    settings.GRIDGOV = {**settings.GRIDGOV, "OTP_REQUIRED": False}


@pytest.fixture(autouse=True)
def _fresh_cache(request, settings):
    # Rate limits, map counts and the like live in the cache: each test starts with an empty one of its
    # own (tests marked ``redis`` keep the real Redis cache they are about).
    if "redis" not in request.keywords:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": request.node.nodeid,
            }
        }
    yield


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # Test transactions roll back without signals: never let one test's boundaries or calendar days
    # leak into the next through the per-process caches.
    from cases import limits
    from grids import spatial
    from worktime import calendar

    for cache in (spatial, calendar, limits):
        cache.invalidate()
    yield
    for cache in (spatial, calendar, limits):
        cache.invalidate()


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright (tests marked ``browser``)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # While Playwright's event loop runs, asgiref keeps this thread's database connections per
        # context: close the ones the test opened here, or they outlive it and block dropping the test
        # database (PostgreSQL: "is being accessed by other users").
        connections.close_all()


@pytest.fixture
def catalogue(db):
    """The shipped category catalogue (a data migration; reloaded after transactional tests flush it)."""
    from cases.catalogue import catalogue_load
    from cases.models import Category, TimeLimit

    catalogue_load(Category, TimeLimit)


@pytest.fixture
def tree(db, catalogue):
    """Two streets, two communities each, two grids each (with boundaries), and their staff."""
    return build_tree()


def is_postgres():
    # django-prometheus' backend (gridgov/settings.py) wraps Django's: the name ends the same.
    return settings.DATABASES["default"]["ENGINE"].endswith(".postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    # Under pytest-xdist (./dev test runs --dist loadgroup), the tests that use the real Redis database share
    # one worker: two at once would flush each other's broker and cache, and one's Celery worker would run
    # tasks published against the other's test database.
    one_redis_worker = pytest.mark.xdist_group("redis")
    for item in items:
        if "postgres" in item.keywords and not is_postgres():
            item.add_marker(skip_pg)
        if "redis" in item.keywords:
            item.add_marker(one_redis_worker)


@pytest.fixture(autouse=True)
def _broker_answers():
    # A publish failure pauses publishing for the whole process (gridgov.outbox): never let one test's
    # broken broker skip the next test's messages.
    outbox.broker.reset()
    yield
    outbox.broker.reset()

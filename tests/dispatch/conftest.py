from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cases.models import Category
from tests.factories import report  # noqa: F401  (re-exported: tests import it from here)

SH = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: grid level; filing 30 natural minutes, handling 4 working hours."""
    return Category.objects.get(code="01001")


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    mail.outbox = []
    return mail.outbox


@contextmanager
def publishing_to(url, **conf):
    """This test process publishes to the real broker instead of running tasks eagerly."""
    from gridgov.celery import app

    conf = {"task_always_eager": False, "broker_url": url, **conf}
    saved = {k: app.conf[k] for k in conf}
    app.conf.update(**conf)
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        # kombu keeps its pools in a registry keyed by broker URL: drop the closed ones too, or the next
        # publish to the same broker (eager tasks acquire a producer as well) meets "Acquire on closed pool".
        from kombu import pools

        pools.reset()
        app.conf.update(**saved)
        app._pool, app.amqp._producer_pool = None, None

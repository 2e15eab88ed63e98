"""The Celery app. Beat's schedule lives here so one file tells an operator what runs when."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

app = Celery("gridgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Liveness of the worker and beat themselves: the health page reads the last heartbeat.
    "heartbeat": {"task": "gridgov.tasks.heartbeat", "schedule": 60.0},
    # Deadlines: yellow, red, climbing the tree. Expires so a backlog after an outage runs once, not N times.
    "dispatch-sweep": {"task": "dispatch.tasks.sweep_deadlines", "schedule": 60.0, "options": {"expires": 55}},
    # Priority residents due for a visit appear on the grid workers' task lists each morning.
    "residents-visit-tasks": {"task": "residents.tasks.build_visit_tasks", "schedule": crontab(hour=5, minute=30)},
}

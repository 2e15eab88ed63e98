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
    "dispatch-sweep": {
        "task": "dispatch.tasks.sweep_deadlines",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Priority residents due for a visit appear on the grid workers' task lists each morning.
    "residents-visit-tasks": {
        "task": "residents.tasks.build_visit_tasks",
        "schedule": crontab(hour=5, minute=30),
    },
    # The personal-information and patrol-track access logs' hash chains, checked nightly.
    "residents-verify-access-logs": {
        "task": "residents.tasks.verify_access_logs",
        "schedule": crontab(hour=4, minute=40),
    },
    # Every case's event-chain head, signed into the append-only checkpoint table and the log.
    "cases-audit-checkpoint": {
        "task": "cases.tasks.write_audit_checkpoint",
        "schedule": crontab(minute=3),
    },
    # The case-event audit trail checked in full; a break alerts the district centre.
    "dispatch-verify-case-audit": {
        "task": "dispatch.tasks.verify_case_audit",
        "schedule": crontab(hour=4, minute=50),
    },
    # Case-list exports (issue 21): their files deleted once kept CASE_EXPORT_KEEP_HOURS.
    "cases-expire-exports": {
        "task": "cases.tasks.expire_case_exports",
        "schedule": crontab(minute=17),
    },
    # Closed cases nobody rated within the callback window are closed as "no response".
    "cases-callback-window": {
        "task": "cases.tasks.lapse_unanswered_evaluations",
        "schedule": crontab(minute=7),
    },
    # Last month's assessment report, published as an immutable snapshot on the 1st.
    "assessment-monthly-report": {
        "task": "assessment.tasks.publish_monthly_report",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
    # Evaluation records of new reports, in one batch (reports send no message of their own).
    "assessment-new-records": {
        "task": "assessment.tasks.build_new_records",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Evaluation records whose rebuild was lost on the way (broker down at commit time).
    "assessment-records-catch-up": {
        "task": "assessment.tasks.catch_up_records",
        "schedule": 600.0,
        "options": {"expires": 590},
    },
    # Retention (patrol tracks, refused Open311 photos) runs as hourly steps of the sweep (issue 22).
    # Webhook deliveries whose Celery message was lost (broker down at commit time) are re-queued.
    "intake-webhook-sweep": {
        "task": "intake.tasks.redeliver_webhooks",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Stored files no row points at (a crash between save and commit) are removed after a grace period.
    "files-orphan-sweep": {
        "task": "gridgov.tasks.remove_orphan_files",
        "schedule": crontab(hour=3, minute=50),
    },
    # Photos Open311 clients sent by media_url are fetched outside the request.
    "open311-media-sweep": {
        "task": "open311.tasks.fetch_pending_media",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
}

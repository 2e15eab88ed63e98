"""The daily check from beat: a break in the case audit trail reaches the district centre."""

import pytest
from django.db import connection

from cases.models import CaseEvent
from dispatch.models import Notification
from dispatch.tasks import verify_case_audit
from gridgov.celery import app

pytestmark = pytest.mark.django_db


def test_beat_signs_hourly_and_checks_daily():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"cases.tasks.write_audit_checkpoint", "dispatch.tasks.verify_case_audit"} <= tasks


def test_a_clean_trail_alerts_nobody(tree, new_case):
    assert verify_case_audit() == 0
    assert not Notification.objects.filter(kind="audit").exists()


def test_a_break_alerts_the_district_centre(tree, new_case):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CaseEvent._meta.db_table} SET comment = 'x' WHERE case_id = %s", [new_case.pk]
        )
    assert verify_case_audit() == 1
    alerts = Notification.objects.filter(kind="audit")
    assert {n.recipient_id for n in alerts} == {tree.users["centre"].pk}
    assert new_case.number in alerts.get().body
    verify_case_audit()  # the same day again: no second notice
    assert alerts.count() == 1

"""Celery tasks of the assessment (thin, idempotent, JSON arguments)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .records import month_key, record_rebuild, records_build_new, records_catch_up
from .selectors import default_month
from .services import monthly_reports_publish


@shared_task(name="assessment.tasks.publish_monthly_report")
def publish_monthly_report(month: int | None = None) -> list[int]:
    """On the 1st: publish last month's report for the district and each street (once; a rerun returns
    the published ones). ``month`` YYYYMM republishes nothing but a missing month's reports."""
    month = month or month_key(default_month(timezone.now())[0])
    return [s.pk for s in monthly_reports_publish(month=int(month))]


@shared_task(name="assessment.tasks.rebuild_case_record")
def rebuild_case_record(case_id: int) -> bool:
    return record_rebuild(case_id) is not None


@shared_task(name="assessment.tasks.build_new_records", ignore_result=True)
def build_new_records(minutes: int = 2 * 24 * 60) -> int:
    """Every minute: records of new reports (they send no message of their own). The two days' window
    rides out a weekend's outage of the worker or beat."""
    return records_build_new(since=timezone.now() - timedelta(minutes=minutes))


@shared_task(name="assessment.tasks.catch_up_records", ignore_result=True)
def catch_up_records(minutes: int = 30) -> int:
    """Rebuild records older than their case's last change in the last ``minutes`` (lost rebuilds)."""
    return records_catch_up(since=timezone.now() - timedelta(minutes=minutes))

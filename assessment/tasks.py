"""Celery tasks of the assessment (thin, idempotent, JSON arguments)."""

from celery import shared_task
from django.utils import timezone

from .selectors import default_month
from .records import month_key


@shared_task(name="assessment.tasks.publish_monthly_report")
def publish_monthly_report(month: int | None = None) -> list[int]:
    """On the 1st: publish last month's report for the district and each street (once; a rerun returns
    the published ones). ``month`` YYYYMM republishes nothing but a missing month's reports."""
    from .services import monthly_reports_publish

    month = month or month_key(default_month(timezone.now())[0])
    return [s.pk for s in monthly_reports_publish(month=int(month))]


@shared_task(name="assessment.tasks.rebuild_case_record")
def rebuild_case_record(case_id: int) -> bool:
    from .records import record_rebuild

    return record_rebuild(case_id) is not None

"""The sweep's and the outbox's gauges for Prometheus (gridgov.observability reads them at scrape time).

* ``gridgov_sweep_backlog{key=overdue|climb|warning}``: cases whose deadline has passed and that the sweep
  has not handled yet. A sweep every minute keeps these near zero; growing means it is not running or not
  keeping up (deploy/prometheus/alerts.yml).
* ``gridgov_outbox_backlog``: notification deliveries pending and due (the outbox re-queues them).

Each count reads a partial index and stops at ``CAP`` rows, so a scrape costs the same at any size.
"""

from django.utils import timezone

from cases.models import Case

from .models import DeliveryStatus, NotificationDelivery

CAP = 100_000


def _capped(queryset) -> int:
    return queryset.order_by()[:CAP].count()


def sweep_backlog() -> dict[str, float]:
    now = timezone.now()
    return {
        "overdue": _capped(Case.objects.filter(stage_due_at__lte=now).exclude(alert="red")),
        "climb": _capped(Case.objects.filter(next_escalation_at__lte=now)),
        "warning": _capped(Case.objects.filter(stage_warn_at__lte=now, alert="", stage_due_at__gt=now)),
    }


def outbox_backlog() -> float:
    pending = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
    return _capped(pending.filter(next_attempt_at__lte=timezone.now()))

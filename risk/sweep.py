"""The daily recomputation, a step of the one deadline sweep (``dispatch/sweep.py``, registered by
``RiskConfig.ready``): no scheduler of its own. Each district is claimed for the day by compare-and-set on
``RiskSettings.computed_on``, so two sweeps (or two workers) never compute one day twice, and a sweep that
ran on no day of its own catches up on the next."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grids.models import Area, Level

from .models import RiskSettings
from .services import risk_recompute, settings_for, warnings_escalate_overdue

# Hour (Beijing time) from which the day's scores are computed: after the night's imports and visit tasks.
FROM_HOUR = 2


def risk_daily(*, now=None) -> int:
    """Recompute every district not yet computed today; returns how many were recomputed."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < FROM_HOUR:
        return 0
    today = timezone.localdate(now)
    done = 0
    for district in Area.objects.filter(level=Level.DISTRICT, is_active=True).order_by("code"):
        s = settings_for(district)
        with transaction.atomic():  # a failed computation gives the day back to the next sweep
            claimed = (
                RiskSettings.objects.filter(pk=s.pk)
                .filter(Q(computed_on__isnull=True) | Q(computed_on__lt=today))
                .update(computed_on=today)
            )
            if claimed:
                risk_recompute(district=district, now=now)
                done += 1
    return done


def warnings_overdue(*, now=None) -> int:
    """Warnings past their deadline climb one unit; returns how many did."""
    return warnings_escalate_overdue(now=now or timezone.now())

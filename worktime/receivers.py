"""Every process that loads the apps (web, Celery worker, shell) hears a calendar change: this process
drops its copy at once, the others follow the revision once the change commits."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .calendar import invalidate
from .models import CalendarDay, CalendarRevision, CalendarYear, WorkingCalendar


@receiver(post_save, sender=WorkingCalendar)
@receiver(post_delete, sender=WorkingCalendar)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def calendar_changed(sender, **kwargs):
    invalidate()
    transaction.on_commit(CalendarRevision.bump)

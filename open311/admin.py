from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.admin import ReadOnlyAdmin

from .models import MediaFetch


@admin.register(MediaFetch)
class MediaFetchAdmin(ReadOnlyAdmin):
    """Photos Open311 clients sent by URL: what was fetched, refused or failed, and why."""

    list_display = ["url", "case", "status", "attempts", "next_attempt_at", "error"]
    list_filter = ["status"]
    search_fields = ["url", "case__number"]
    actions = ["retry"]

    @admin.action(description=_("Try the selected failed fetches again"))
    def retry(self, request, queryset):
        # Refused URLs stay refused: only a host that did not deliver deserves another round.
        queryset.filter(status=MediaFetch.Status.FAILED).update(
            status=MediaFetch.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )

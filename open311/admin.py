from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.admin import ReadOnlyAdmin

from .models import AlertMessage, AlertSubscription, MediaFetch


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


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(ReadOnlyAdmin):
    """Citizens' alert subscriptions (issue 24): what each follows, whether checked, when stopped."""

    list_display = ["channel", "area", "case", "created_at", "verified_at", "ended_at"]
    list_filter = ["channel"]
    search_fields = ["contact", "case__number", "area__code"]


@admin.register(AlertMessage)
class AlertMessageAdmin(ReadOnlyAdmin):
    """The alert send log: each message's kind, status, attempts and last error."""

    list_display = ["kind", "subscription", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    # The message first, then its delivery (the outbox's fields come first in the model, from its base).
    fields = [
        "subscription",
        "kind",
        "subject",
        "body",
        "params",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    ]

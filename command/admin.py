from django.contrib import admin

from gridgov.admin import ReadOnlyAdmin

from .models import TrackAccessLog


@admin.register(TrackAccessLog)
class TrackAccessLogAdmin(ReadOnlyAdmin):
    """Who looked at whose patrol track: read-only, for the personal-information audit."""

    list_display = ["viewed_at", "viewer", "subject", "period_start", "period_end", "via"]
    list_filter = ["via"]
    date_hierarchy = "viewed_at"
    raw_id_fields = ["viewer", "subject"]

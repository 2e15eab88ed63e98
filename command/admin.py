from django.contrib import admin

from .models import TrackAccessLog


@admin.register(TrackAccessLog)
class TrackAccessLogAdmin(admin.ModelAdmin):
    """Who looked at whose patrol track: read-only, for the personal-information audit."""

    list_display = ["viewed_at", "viewer", "subject", "period_start", "period_end", "via"]
    list_filter = ["via"]
    date_hierarchy = "viewed_at"
    raw_id_fields = ["viewer", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

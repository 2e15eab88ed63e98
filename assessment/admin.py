from django.contrib import admin

from gridgov.admin import ReadOnlyAdmin

from .models import CaseRecord, ReportSnapshot, StarAward


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ReadOnlyAdmin):
    """Published reports are immutable: read-only here, as in the ORM."""

    list_display = ["period_start", "scope_code", "kind", "as_of", "generated_at"]
    list_filter = ["kind"]
    search_fields = ["scope_code"]
    exclude = ["data"]


@admin.register(CaseRecord)
class CaseRecordAdmin(ReadOnlyAdmin):
    """Derived from the cases; rebuilt by the receiver or ``manage.py rebuild_case_records``."""

    list_display = [
        "case_id",
        "grid_code",
        "period_month",
        "status",
        "filed_on_time",
        "dispatched_on_time",
        "handled_on_time",
        "closed_on_time",
    ]
    search_fields = ["grid_code"]
    raw_id_fields = ["case", "reporter", "verifier"]


@admin.register(StarAward)
class StarAwardAdmin(ReadOnlyAdmin):
    """Stars are awarded on the five-star page (permission-checked), not here."""

    list_display = ["period_month", "grid_code", "star", "awarded", "evaluator", "decided_at"]
    list_filter = ["star", "awarded"]

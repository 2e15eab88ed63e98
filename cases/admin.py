from django.contrib import admin
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from gridgov.admin import ReadOnlyAdmin

from .models import Attachment, CannedReply, Case, CaseEvent, Category, TimeLimit


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


class CannedReplyInline(admin.TabularInline):
    model = CannedReply
    extra = 0
    fields = ["title", "text", "public", "is_active", "sort_order"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Canned progress notes per category (常用回复), picked in the case page's note form."""

    list_display = ["title", "category", "public", "is_active", "sort_order"]
    list_filter = ["is_active", "public"]
    search_fields = ["title", "text", "category__code", "category__name"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "default_level",
        "verify_required",
        "after_photo_required",
        "auto_dispatch",
        "is_active",
    ]
    list_filter = ["is_active", "default_level", "parent"]
    search_fields = ["code", "name"]
    inlines = [TimeLimitInline, CannedReplyInline]
    actions = ["retire"]

    @admin.action(description=_("Retire selected categories"))
    def retire(self, request, queryset):
        for category in queryset.filter(is_active=True):
            category.is_active = False
            category.save(update_fields=["is_active"])  # the save signal clears the in-memory catalogue

    def has_delete_permission(self, request, obj=None):
        # A category in use is retired, never deleted (cases keep pointing at it).
        return obj is not None and not obj.cases.exists() and not obj.minors.exists()

    def delete_model(self, request, obj):
        try:
            super().delete_model(request, obj)
        except ProtectedError:
            self.message_user(request, _("This category is in use: retire it instead."), level="error")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "kind", "actor", "from_status", "to_status", "created_at"]
    list_filter = ["kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change only through the workflow; the admin shows them."""

    list_display = ["number", "title", "status", "category", "level", "area_code", "reported_at"]
    list_filter = ["status", "level", "urgency", "source"]
    search_fields = ["number", "title"]
    list_select_related = ["category"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "mime", "size", "created_at"]

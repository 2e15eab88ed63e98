from django.contrib import admin

from gridgov.admin import ReadOnlyAdmin
from grids.admin_audit import AuditedAdminMixin

from .models import CaseAssist, Notification, RoutingRule, Whistle, WhistleCall


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["category", "owner_area", "area", "level", "department", "team", "priority", "is_active"]
    list_filter = ["is_active", "level"]
    raw_id_fields = ["category", "owner_area", "area"]


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at"]


@admin.register(WhistleCall)
class WhistleCallAdmin(ReadOnlyAdmin):
    list_display = ["whistle", "department", "status"]


@admin.register(CaseAssist)
class CaseAssistAdmin(ReadOnlyAdmin):
    list_display = ["case", "department", "status"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "created_at"]

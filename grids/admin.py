import json

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .boundaries import boundaries_export
from .models import Area, AreaChange, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["area"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + (("GridGov", {"fields": ("display_name", "phone")}),)
    list_display = ["username", "display_name", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "phone"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "is_active", "households", "residents"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["min_lon", "min_lat", "max_lon", "max_lat", "centroid_lon", "centroid_lat", "retired_at"]
    actions = ["export_geojson"]

    @admin.action(description=_("Export selected boundaries as GeoJSON"))
    def export_geojson(self, request, queryset):
        collection = boundaries_export(queryset.exclude(boundary__isnull=True).order_by("code"))
        response = HttpResponse(json.dumps(collection, ensure_ascii=False), content_type="application/geo+json")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="boundaries-{stamp}.geojson"'
        return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "area__code", "area__name"]
    raw_id_fields = ["user", "area"]


@admin.register(AreaChange)
class AreaChangeAdmin(admin.ModelAdmin):
    list_display = ["kind", "created_at", "actor", "note"]
    readonly_fields = ["kind", "retired", "created", "previous_boundaries", "note", "actor", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

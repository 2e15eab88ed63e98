import json

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.admin import ReadOnlyAdmin

from .admin_audit import AuditedAdminMixin
from .boundaries import boundaries_export, boundaries_import
from .models import AdminChange, Area, AreaChange, Department, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["area"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + (("GridGov", {"fields": ("display_name", "phone")}),)
    list_display = ["username", "display_name", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "phone"]


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"), help_text=_("A FeatureCollection with properties.code per feature.")
    )
    dry_run = forms.BooleanField(label=_("Only validate"), required=False)
    strict = forms.BooleanField(label=_("Treat sibling overlaps as errors"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            try:
                data["collection"] = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.add_error("file", _("This is not a readable GeoJSON file."))
        return data


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "is_active", "households", "residents"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = [
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "centroid_lon",
        "centroid_lat",
        "retired_at",
    ]
    actions = ["export_geojson"]
    change_list_template = "admin/grids/area/change_list.html"

    def get_urls(self):
        own = [
            path(
                "import-boundaries/",
                self.admin_site.admin_view(self.import_boundaries),
                name="grids_area_import_boundaries",
            )
        ]
        return own + super().get_urls()

    def import_boundaries(self, request):
        """Upload a GeoJSON FeatureCollection: validated as a whole; any error imports nothing."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = boundaries_import(
                collection=form.cleaned_data["collection"],
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                strict=form.cleaned_data["strict"],
            )
            if report.ok and not form.cleaned_data["dry_run"]:
                self.message_user(
                    request,
                    _("Boundaries imported: %(n)s areas.")
                    % {"n": report.count("create") + report.count("update")},
                )
                return redirect("admin:grids_area_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "report": report,
            "title": _("Import boundaries"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grids/area/import_boundaries.html", context)

    @admin.action(description=_("Export selected boundaries as GeoJSON"))
    def export_geojson(self, request, queryset):
        collection = boundaries_export(queryset.exclude(boundary__isnull=True).order_by("code"))
        response = HttpResponse(
            json.dumps(collection, ensure_ascii=False), content_type="application/geo+json"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="boundaries-{stamp}.geojson"'
        return response


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "area", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "area__code", "area__name"]
    raw_id_fields = ["user", "area"]


@admin.register(AreaChange)
class AreaChangeAdmin(ReadOnlyAdmin):
    list_display = ["kind", "created_at", "actor", "note"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "area", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["area"]
    filter_horizontal = ["covered_areas"]


@admin.register(AdminChange)
class AdminChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_username", "action", "model", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["actor_username", "object_repr", "object_id"]

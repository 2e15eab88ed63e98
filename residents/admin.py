"""Admin for reference data (group tags) and read-only views of the register; the access log is read-only.

Register rows are edited through the services (which encrypt, check scope and keep history), never here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gridgov.admin import ReadOnlyAdmin

from .models import Building, GroupTag, Household, ImportJob, Person, PiiAccessLog, Place


@admin.register(GroupTag)
class GroupTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "sensitivity", "visit_interval_days", "is_active"]
    list_filter = ["category", "sensitivity", "is_active"]


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "area", "kind"]
    search_fields = ["code", "name"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "address", "area", "is_active"]
    search_fields = ["number", "address"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    # Masked columns only: the admin is no back door to full numbers.
    list_display = ["name", "id_mask", "phone_mask", "area", "status"]
    fields = [
        "name",
        "id_type",
        "id_mask",
        "phone_mask",
        "gender",
        "birth_year",
        "ethnicity",
        "residence_type",
        "relation",
        "status",
        "area",
        "household",
    ]
    readonly_fields = fields
    search_fields = ["name"]

    @admin.display(description=_("birth year"))
    def birth_year(self, person):
        # The year only: the date is the ID number's middle 8 digits (reveal shows it, logged).
        return person.birth_date.year if person.birth_date else None


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "area", "contact_phone_mask"]
    exclude = ["contact_phone_cipher"]


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "person", "area_code", "subject_count", "reason"]
    list_filter = ["action"]
    date_hierarchy = "created_at"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "file_name", "area", "actor", "status", "processed_rows", "total_rows"]

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .calendar.official import load_official
from .models import CalendarDay, CalendarRevision, CalendarYear, WorkingCalendar


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "morning_start", "morning_end", "afternoon_start", "afternoon_end"]
    search_fields = ["name", "area__code", "area__name"]
    raw_id_fields = ["area"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ["date", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """One year's State Council schedule: its days off and its make-up working days, edited together."""

    list_display = ["year", "published", "holiday_count", "workday_count", "source", "updated_at"]
    list_filter = ["published"]
    inlines = [CalendarDayInline]
    actions = ["reload_from_package"]

    @admin.display(description=_("days off"))
    def holiday_count(self, obj):
        return obj.days.filter(kind="holiday").count()

    @admin.display(description=_("make-up working days"))
    def workday_count(self, obj):
        return obj.days.filter(kind="workday").count()

    @admin.action(description=_("Reload the selected years from the chinesecalendar package"))
    def reload_from_package(self, request, queryset):
        outcome = load_official(
            CalendarYear,
            CalendarDay,
            CalendarRevision,
            years=list(queryset.values_list("year", flat=True)),
            replace=True,
        )
        replaced = [str(y) for y, what in outcome.items() if what == "replaced"]
        missing = [str(y) for y, what in outcome.items() if what == "missing"]
        if replaced:
            self.message_user(
                request,
                ngettext("Reloaded %(years)s.", "Reloaded %(years)s.", len(replaced))
                % {"years": ", ".join(replaced)},
                messages.SUCCESS,
            )
        if missing:
            self.message_user(
                request,
                _("The installed package has no schedule for %(years)s: enter it by hand.")
                % {"years": ", ".join(missing)},
                messages.WARNING,
            )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "year"]
    list_filter = ["kind", "year"]
    search_fields = ["name"]
    date_hierarchy = "date"

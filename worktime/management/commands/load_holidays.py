from django.core.management.base import BaseCommand

from worktime.calendar import invalidate
from worktime.calendar.official import load_official, package_schedules
from worktime.models import CalendarDay, CalendarRevision, CalendarYear


class Command(BaseCommand):
    help = "Load official holiday schedules from the chinesecalendar package (years not yet in the calendar)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite years already present (discards corrections made in the admin)",
        )
        parser.add_argument(
            "--list", action="store_true", help="list the years the installed package carries"
        )

    def handle(self, *args, year=None, replace=False, list=False, **options):
        if list:
            for y, days in package_schedules().items():
                self.stdout.write(f"{y}: {len(days)} days")
            return
        outcome = load_official(CalendarYear, CalendarDay, CalendarRevision, years=year, replace=replace)
        invalidate()
        for y, what in outcome.items():
            self.stdout.write(f"{y}: {what}")

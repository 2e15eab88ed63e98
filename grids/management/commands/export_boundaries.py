import json
import sys

from django.core.management.base import BaseCommand, CommandError

from grids.boundaries import boundaries_export
from grids.models import Area, Level


class Command(BaseCommand):
    help = "Write boundaries as a GeoJSON FeatureCollection (one feature per area, keyed by code)."

    def add_arguments(self, parser):
        parser.add_argument("--within", help="only this area's subtree (code)")
        parser.add_argument("--level", action="append", choices=Level.values, help="repeatable")
        parser.add_argument("--include-retired", action="store_true")
        parser.add_argument("-o", "--output", default="-", help="file (default: standard output)")

    def handle(self, *args, within, level, include_retired, output, **options):
        areas = Area.objects.exclude(boundary__isnull=True)
        if within:
            if not Area.objects.filter(code=within).exists():
                raise CommandError(f"No area with code {within}.")
            areas = areas.subtree(within)
        if level:
            areas = areas.filter(level__in=level)
        if not include_retired:
            areas = areas.active()
        collection = boundaries_export(areas.order_by("code"))
        text = json.dumps(collection, ensure_ascii=False)
        if output == "-":
            self.stdout.write(text)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            sys.stderr.write(f"{len(collection['features'])} features written to {output}\n")

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from grids.boundaries import DEFAULT_TOLERANCE_M2, boundaries_import


class Command(BaseCommand):
    help = (
        "Import boundaries from a GeoJSON FeatureCollection (properties.code per feature): validates rings, "
        "geometry, containment in the parent and sibling overlaps; any error imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--strict", action="store_true", help="treat sibling overlaps as errors")
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE_M2,
            help="m² allowed outside the parent or overlapping a sibling",
        )

    def handle(self, *args, path, dry_run, strict, tolerance, **options):
        try:
            if path == "-":
                collection = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as fh:
                    collection = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        report = boundaries_import(
            collection=collection, dry_run=dry_run, strict=strict, tolerance_m2=tolerance
        )
        for line in report.lines():
            self.stdout.write(line)
        summary = (
            f"{report.count('create')} to create, {report.count('update')} to update, "
            f"{report.error_count} errors, {report.warning_count} warnings"
        )
        if not report.ok:
            raise CommandError(f"Nothing imported: {summary}.")
        if dry_run:
            self.stdout.write(f"Dry run, nothing imported: {summary}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported: {report.count('create')} created, {report.count('update')} updated, "
                    f"{report.count('unchanged')} unchanged, {report.warning_count} warnings."
                )
            )

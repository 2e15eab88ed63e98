from django.core.management.base import BaseCommand

from assessment.records import records_rebuild


class Command(BaseCommand):
    help = "Rebuild the evaluation record of every case (or of --case IDs), in chunks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--case", type=int, action="append", dest="cases", help="only this case (repeatable)"
        )
        parser.add_argument("--chunk", type=int, default=2000)

    def handle(self, *args, cases=None, chunk=2000, **options):
        done = records_rebuild(case_ids=cases, chunk=chunk)
        self.stdout.write(f"{done} evaluation records rebuilt")

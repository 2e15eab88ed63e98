import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grids.demo import DEMO_APPS, DISTRICT_CODE, build_district, load_app_demos, stage_line
from grids.models import Area, Level


class Command(BaseCommand):
    help = (
        "Build the demo district (麓湖区): streets, communities, grids tiling it, micro-grids, grid teams, "
        "staff, departments and the superuser 'admin', all with the demo password; then each app's demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a district exists")
        parser.add_argument("--grids", type=int, default=300, help="number of grids (5000 for the benchmark)")
        parser.add_argument("--seed", type=int, default=2024, help="same seed, same district")
        parser.add_argument(
            "--apps",
            default=",".join(DEMO_APPS),
            help="apps whose demo data to add after the district (comma-separated; empty: none)",
        )

    def handle(self, *args, if_empty, grids, seed, apps, **options):
        if not 1 <= grids <= 200_000:
            raise CommandError("--grids must be between 1 and 200000.")
        if Area.objects.filter(level=Level.DISTRICT).exists():
            if if_empty:
                self.stdout.write("A district exists already; nothing loaded.")
                return
            if Area.objects.filter(code=DISTRICT_CODE).exists():
                raise CommandError(f"The demo district {DISTRICT_CODE} exists already (use --if-empty).")
        started, cpu = time.monotonic(), time.process_time()
        self.stdout.write(
            "Loading the demo district, stage by stage (seconds each, and this process's CPU seconds):"
        )
        with transaction.atomic():
            demo = build_district(grids=grids, seed=seed)
            counts = ", ".join(f"{n} {label}" for label, n in demo.counts.items())
            self.stdout.write(
                stage_line(
                    "district",
                    time.monotonic() - started,
                    f"{demo.district.name} ({demo.district.code}): {counts}",
                    cpu=time.process_time() - cpu,
                )
            )
            self.stdout.flush()
            labels = [label for label in apps.split(",") if label]
            loaded = load_app_demos(
                district=demo.district, seed=seed, stdout=self.stdout, grids=grids, apps=labels
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {time.monotonic() - started:.1f}s (cpu {time.process_time() - cpu:.1f}s)"
            )
            + (f" (with {', '.join(loaded)})" if loaded else "")
        )

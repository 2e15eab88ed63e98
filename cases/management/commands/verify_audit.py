from django.core.management.base import BaseCommand, CommandError

from cases import audit
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Check every case's keyed event chain, its head on the case row and the last signed checkpoint; "
        "name every break by case and event and exit non-zero if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", help="check one case number only (no checkpoint digest)")

    def handle(self, case=None, **options):
        found = audit.breaks(case_number=case)
        for brk in found:
            self.stderr.write(str(brk))
        if found:
            cases = len({b.case_number for b in found if b.case_number})
            raise CommandError(f"{len(found)} break(s) in the audit trail ({cases} case(s)).")
        checked = Case.objects.filter(number=case).count() if case else Case.objects.count()
        self.stdout.write(self.style.SUCCESS(f"All {checked} case chains verify."))

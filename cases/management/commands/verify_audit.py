from django.core.management.base import BaseCommand, CommandError

from cases.events import verify_chain
from cases.models import CaseEvent


class Command(BaseCommand):
    help = "Check every case's hash-chained event log and name the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--case", help="check one case number only")

    def handle(self, case=None, **options):
        events = CaseEvent.objects.order_by("case_id", "seq").select_related("case")
        if case:
            events = events.filter(case__number=case)
        checked = broken = 0
        current_case, chain = None, []
        for event in events.iterator(chunk_size=5000):
            if event.case_id != current_case:
                broken += self._check(chain)
                current_case, chain = event.case_id, []
                checked += 1
            chain.append(event)
        broken += self._check(chain)
        if broken:
            raise CommandError(f"{broken} of {checked} case chains are broken.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} case chains verify."))

    def _check(self, chain) -> int:
        if not chain:
            return 0
        bad = verify_chain(chain)
        if bad is None:
            return 0
        self.stderr.write(
            f"Case {bad.case.number}: first broken link at event #{bad.seq} ({bad.kind}, id {bad.pk})."
        )
        return 1

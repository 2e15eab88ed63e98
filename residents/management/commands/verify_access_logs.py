"""Verify the keyed hash chains of the personal-information and patrol-track access logs.

Reports every break (edited, missing, re-linked or inserted rows, rows under an unknown key, a head that
was rewritten or that the table no longer reaches) and exits non-zero when there is any.
"""

from django.core.management.base import BaseCommand, CommandError

from gridgov.audit_chain import CHAINS, breaks


class Command(BaseCommand):
    help = (
        "Check the hash chains of the personal-information and patrol-track access logs; report each break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=sorted(CHAINS), action="append", help="check this log only")

    def handle(self, chain=None, **options):
        found_breaks = breaks(chain)
        for found in found_breaks:
            self.stderr.write(str(found))
        checked = ", ".join(chain or CHAINS)
        if found_breaks:
            raise CommandError(f"{len(found_breaks)} break(s) in the access-log chains ({checked}).")
        self.stdout.write(self.style.SUCCESS(f"The access-log chains verify ({checked})."))

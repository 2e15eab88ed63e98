from django.core.management.base import BaseCommand, CommandError

from intake.keys import integration_revoke


class Command(BaseCommand):
    help = "Revoke an integration's API key by its prefix (the part after gg_)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, prefix, **options):
        if not integration_revoke(prefix=prefix):
            raise CommandError(f"No active key with prefix {prefix!r}.")
        self.stdout.write(f"revoked {prefix}")

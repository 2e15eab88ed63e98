from django.core.management.base import BaseCommand, CommandError

from intake.keys import integration_create
from intake.models import Integration


class Command(BaseCommand):
    help = (
        "Create an integration (Open311 client, hotline connector, sensor platform) and print its API key "
        "once."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        # "public" is the citizens' page itself (created on first use): it never gets a key of its own.
        kinds = [k for k in Integration.Kind.values if k != Integration.Kind.PUBLIC]
        parser.add_argument("--kind", choices=kinds, default=Integration.Kind.OPEN311)
        parser.add_argument("--webhook", default="", help="URL to POST status changes to (signed).")

    def handle(self, name, kind, webhook, **options):
        if Integration.objects.filter(name=name).exists():
            raise CommandError(f"An integration named {name!r} exists; revoke it or choose another name.")
        integration, key = integration_create(name=name, kind=kind, webhook_url=webhook)
        self.stdout.write(key)
        if integration.webhook_secret:
            self.stderr.write(f"webhook secret: {integration.webhook_secret}")

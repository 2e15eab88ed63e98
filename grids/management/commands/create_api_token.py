from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from grids.models import User


class Command(BaseCommand):
    help = "Print an API token for a user (creating it if needed; --rotate replaces the old one)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true")

    def handle(self, username, rotate, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}.")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)

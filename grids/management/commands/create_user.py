from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grids.models import Area, Department, Role, User
from grids.services import membership_grant


class Command(BaseCommand):
    help = "Create a user (or add a membership to an existing one): create_user NAME --role ROLE --area CODE"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, required=True)
        parser.add_argument("--area", required=True, help="area code, e.g. 430104001001001")
        parser.add_argument("--department", help="department code (department handlers)")
        parser.add_argument("--password", help="set or reset the password")
        parser.add_argument("--display-name", default="")

    @transaction.atomic
    def handle(self, username, role, area, department, password, display_name, **options):
        area_obj = Area.objects.filter(code=area).first()
        if area_obj is None:
            raise CommandError(f"No area with code {area}.")
        dept = None
        if department:
            dept = Department.objects.filter(code=department).first()
            if dept is None:
                raise CommandError(f"No department with code {department}.")
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
        if password:
            user.set_password(password)
            user.save()
        elif created:
            user.set_unusable_password()
            user.save()
        try:
            membership = membership_grant(user=user, role=role, area=area_obj, department=dept)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} {username}: {membership.get_role_display()} @ {area_obj.name} ({area_obj.code})"
        )

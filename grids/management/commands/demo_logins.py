import base64

from django.conf import settings
from django.core.management.base import BaseCommand
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.demo import DISTRICT_CODE
from grids.models import Area, Membership, Role, User
from grids.security import otp_required


class Command(BaseCommand):
    help = "Print representative demo logins: one per role, the grid team in the same community as its staff."

    def add_arguments(self, parser):
        parser.add_argument("--box", action="store_true", help="draw a frame around it (./dev demo does)")
        parser.add_argument(
            "--url", default="", help="where the demo runs, said first (./dev demo passes it)"
        )

    def handle(self, *args, box=False, url="", **options):
        district = Area.objects.filter(code=DISTRICT_CODE).first()
        if district is None:
            self.stdout.write("No demo district; run `python manage.py load_demo` first.")
            return
        rows = []
        admin = User.objects.filter(username="admin").first()
        if admin:
            rows.append(("superuser", admin, None))
        community = self._first(Role.COMMUNITY_STAFF, district.code)
        for label, role, within in [
            ("district centre", Role.DISTRICT_CENTRE, district.code),
            ("read-only leader", Role.LEADER_READONLY, district.code),
            ("street staff", Role.STREET_STAFF, district.code),
            ("community staff", Role.COMMUNITY_STAFF, district.code),
            ("grid leader", Role.GRID_LEADER, community.area.code if community else district.code),
            ("grid worker", Role.GRID_WORKER, community.area.code if community else district.code),
            ("department handler", Role.DEPARTMENT_HANDLER, district.code),
        ]:
            membership = self._first(role, within)
            if membership:
                area = (
                    membership.department.name
                    if membership.department
                    else (f"{membership.area.name} ({membership.area.code})")
                )
                rows.append((label, membership.user, area))
        lines = [f"GridGov demo: {url}", ""] if url else []
        lines += self._table(rows) + self._second_factor([user for _, user, _ in rows if otp_required(user)])
        for line in boxed(lines) if box else lines:
            self.stdout.write(line)

    def _first(self, role, within):
        return (
            Membership.objects.filter(
                role=role, is_active=True, area__code__startswith=within, user__is_active=True
            )
            .select_related("user", "area", "department")
            .order_by("area__code", "user__username")
            .first()
        )

    def _second_factor(self, users):
        """The centre and the superuser log in with a TOTP code too: give each demo account a device once,
        and print its secret (to add to an authenticator app) with the code valid now."""
        if not users:
            return []
        lines = [
            "",
            "Second factor (TOTP) of the accounts that require it: secret for an authenticator app,",
            "or the code valid now (30 s; rerun `python manage.py demo_logins` for a fresh one):",
        ]
        for user in users:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            secret = base64.b32encode(device.bin_key).decode()
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            lines.append(f"  {user.username}: secret {secret}  code now {code:0{device.digits}d}")
        return lines

    def _password(self, user):
        # Everyone shares one hash, so this checks the demo password once, not per row.
        demo = settings.GRIDGOV["DEMO_PASSWORD"]
        cache = self.__dict__.setdefault("_checked", {})
        if user.password not in cache:
            cache[user.password] = user.check_password(demo)
        return demo if cache[user.password] else "(changed)"

    def _table(self, rows) -> list[str]:
        table = [("role", "username", "name", "area", "password")] + [
            (label, user.username, user.display_name, area or "—", self._password(user))
            for label, user, area in rows
        ]
        widths = [max(_width(r[i]) for r in table) for i in range(len(table[0]))]
        lines = []
        for n, row in enumerate(table):
            lines.append("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return lines


def _width(text):
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def boxed(lines: list[str]) -> list[str]:
    """The lines in a frame of ``#``, to stand out among the servers' logs (plain ASCII: any terminal)."""
    inner = max(_width(line) for line in lines)
    edge = "#" * (inner + 6)
    body = [f"#  {line}{' ' * (inner - _width(line))}  #" for line in lines]
    return ["", edge, "#" + " " * (inner + 4) + "#", *body, "#" + " " * (inner + 4) + "#", edge, ""]

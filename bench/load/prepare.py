"""The load test's database: the demo district (its logins), its apps' demo data, then cases topped up by
the benchmarks' resumable fill (bench/fill.py) to ``--cases``. Drops and recreates the database named in
``DATABASE_URL`` (a throwaway name: gg_*, bench*, *_bench), unless ``--reuse``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gg_load REDIS_URL=redis://127.0.0.1:6379/9 \\
        python bench/load/prepare.py --cases 1000000 --grids 1000

Writes ``bench/load/users.json`` (gitignored): usernames per role and the demo password, read by the
locustfile.
"""

import argparse
import json
import os
import sys
import time
import uuid
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
os.environ.setdefault("DEBUG", "false")  # the fill's COPY writer needs the plain cursor, not DEBUG's wrapper

import django  # noqa: E402

django.setup()

import fill as case_fill  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from throwaway import recreate_database  # noqa: E402

from cases.models import Category  # noqa: E402
from grids.models import Area, Department, Level, Membership, Role  # noqa: E402
from intake.keys import integration_create  # noqa: E402
from open311.selectors import offered_categories  # noqa: E402

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

ROLES = {
    "worker": [Role.GRID_WORKER],
    "staff": [Role.COMMUNITY_STAFF, Role.STREET_STAFF],
    "department": [Role.DEPARTMENT_HANDLER],
    "centre": [Role.DISTRICT_CENTRE],
    "hotline": [Role.DISTRICT_CENTRE],
}


def users_by_role(limit=300):
    """{role: [{username, token, lat, lon, department}]}: API tokens made here, a point in the user's area."""
    found = {}
    for name, roles in ROLES.items():
        rows = (
            Membership.objects.filter(role__in=roles, is_active=True, user__is_active=True)
            .select_related("user", "area", "department")
            .order_by("user_id")[: limit * 3]
        )
        seen, people = set(), []
        for m in rows:
            if m.user_id in seen or len(people) >= limit:
                continue
            seen.add(m.user_id)
            token, _ = Token.objects.get_or_create(user=m.user)
            # A signed-in session made as login() makes it: a thousand password hashes at the start of a
            # run would measure PBKDF2, not the day (the scenario's users are at work, already signed in).
            session = SessionStore()
            session[SESSION_KEY] = str(m.user.pk)
            session[BACKEND_SESSION_KEY] = "grids.auth.ReachBackend"
            session[HASH_SESSION_KEY] = m.user.get_session_auth_hash()
            session.create()
            area = m.area
            people.append(
                {
                    "username": m.user.username,
                    "token": token.key,
                    "session": session.session_key,
                    "lat": area.centroid_lat if area else None,
                    "lon": area.centroid_lon if area else None,
                    "area": area.code if area else "",
                    "department": m.department.code if m.department_id else "",
                }
            )
        found[name] = people
    return found


def intake_keys():
    keys = {}
    for kind in ("hotline", "open311"):
        # A new integration each time (an old one may have made cases, which keep it).
        keys[kind] = integration_create(name=f"load-{kind}-{uuid.uuid4().hex[:6]}", kind=kind)[1]
    return keys


ANSWERS = {
    "string": "压测",
    "text": "压测",
    "number": 1,
    "date": "2026-12-01",
    "datetime": "2026-12-01T09:00:00+08:00",
}


def answer(spec):
    """A valid answer to one of a category's extra fields, as a phone's form would send it."""
    kind = spec.get("datatype", "string")
    if kind in ("singlevaluelist", "multivaluelist"):
        first = str(spec["values"][0]["key"])
        return [first] if kind == "multivaluelist" else first
    return ANSWERS[kind]


def categories() -> list[dict]:
    """Each reportable category with answers to its required fields, and whether Open311 offers it."""
    offered = set(offered_categories().values_list("code", flat=True))
    return [
        {
            "code": c.code,
            "extra": {f["code"]: answer(f) for f in c.fields or [] if f.get("required")},
            "open311": c.code in offered,
        }
        for c in Category.objects.filter(is_active=True)
        if not c.is_major
    ]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="keep the database and top it up")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(os.environ["DATABASE_URL"])
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if not Area.objects.filter(level=Level.DISTRICT).exists():
        # Not the residents (a minute of register data the scenario does not read) nor tasks (its grid
        # admission list refuses some of the fill's replayed categories).
        call_command("load_demo", grids=args.grids, apps="dispatch,cases,assessment,command,intake")
    print(f"demo: {time.monotonic() - started:.0f}s", flush=True)
    district = Area.objects.get(level=Level.DISTRICT)
    case_fill.fill(district, args.cases, stories=args.stories, log=lambda *a, **k: print(*a, flush=True))
    print(f"filled to {args.cases} cases: {time.monotonic() - started:.0f}s", flush=True)
    # Statistics for the planner now: autovacuum may not have analysed the freshly filled tables by the time
    # the run starts, and without them it reads all of them (the command board's counts took 6 s, not 15 ms).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"analysed: {time.monotonic() - started:.0f}s", flush=True)
    out = Path(__file__).with_name("users.json")
    out.write_text(
        json.dumps(
            {
                "password": settings.GRIDGOV["DEMO_PASSWORD"],
                "users": users_by_role(),
                "keys": intake_keys(),
                "categories": categories(),
                "departments": list(Department.objects.filter(is_active=True).values_list("code", flat=True)),
                "grids": [
                    [g.code, g.centroid_lat, g.centroid_lon]
                    for g in Area.objects.filter(level=Level.GRID, is_active=True).order_by("code")[:500]
                ],
            },
            indent=1,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

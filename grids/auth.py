"""The signed-in user, loaded with its reach in one statement.

Nearly every request needs both the user (authentication) and its reach (every scoped list, page and
permission check, ``grids.scope``). ``ReachBackend`` is Django's ``ModelBackend`` whose ``get_user`` reads
the user row joined with its active memberships in active areas through the manager's ``raw()`` (Django
builds the user and converts its columns; the membership columns ride along, one row per membership), so
the reach costs no round trip of its own. It runs inside ``prepared_statements()``: a key lookup the server
then plans once per connection (``gridgov/db.py``). Requests authenticated otherwise (API tokens, tests'
``force_authenticate``) compute the reach on first use.
"""

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import router

from gridgov.db import prepared_statements

from .models import Area, Membership, User
from .scope import reach_given

# Membership columns named apart from any of the user's, so they cannot shadow a field.
ROLE, AREA_CODE, DEPARTMENT = "reach_role", "reach_area_code", "reach_department_id"


class ReachBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):  # a session holding something else than an id
            return None
        with prepared_statements(router.db_for_read(User)):
            rows = list(User.objects.raw(_statement(), [user_id]))
        if not rows:
            return None
        user = rows[0]
        memberships = [
            (getattr(row, ROLE), getattr(row, AREA_CODE), getattr(row, DEPARTMENT))
            for row in rows
            if getattr(row, ROLE) is not None
        ]
        for name in (ROLE, AREA_CODE, DEPARTMENT):
            delattr(user, name)  # the reach holds them now
        reach_given(user, memberships)
        return user if self.user_can_authenticate(user) else None


@cache
def _statement() -> str:
    """The user's columns, then (role, area code, department) of each active membership in an active area;
    one row with NULLs for a user without any (the same rows ``grids.scope`` reads on its own)."""
    user, membership, area = User._meta.db_table, Membership._meta.db_table, Area._meta.db_table
    return (
        f"SELECT u.*, m.role AS {ROLE}, a.code AS {AREA_CODE}, m.department_id AS {DEPARTMENT} "
        f'FROM "{user}" u LEFT JOIN ("{membership}" m '
        f'INNER JOIN "{area}" a ON a.id = m.area_id AND a.is_active) '
        "ON m.user_id = u.id AND m.is_active WHERE u.id = %s"
    )

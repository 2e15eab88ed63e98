"""Access scope: which rows a user may see, one function per model family, failing closed.

The registry (``scope_for``, ``scoped``) is ``gridgov.scope``, re-exported here with the reach every
scoping function is built on.

Area-based roles see the subtree of each area they hold a role in; department handlers see what their
department covers. Superusers see everything.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from gridgov.scope import scope_for as scope_for  # re-exported: the apps register and scope through here
from gridgov.scope import scoped as scoped

from .models import CODE_LENGTH, Area, Department, Membership, Role, code_range_q


@dataclass(frozen=True)
class Reach:
    """What a user's active memberships give: area codes per role and department ids."""

    is_superuser: bool = False
    codes_by_role: dict = field(default_factory=dict)
    department_ids: frozenset = frozenset()
    department_area_codes: tuple = ()

    def codes(self, roles=None):
        roles = roles or self.codes_by_role.keys()
        return sorted({code for role in roles for code in self.codes_by_role.get(role, ())})

    @property
    def area_codes(self):
        """Area roots seen through area roles and through departments' covered areas."""
        return sorted(set(self.codes()) | set(self.department_area_codes))

    def covers(self, code, roles=None) -> bool:
        return any(code.startswith(root) for root in self.codes(roles))


def reach(user) -> Reach:
    """The user's reach, computed once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False):
        return Reach()
    cached = getattr(user, "_gridgov_reach", None)
    if cached is None:
        cached = user._gridgov_reach = reach_from(user, _active_memberships(user.pk))
    return cached


def reach_given(user, memberships) -> Reach:
    """Keep on the user object the reach its (role, area code, department id) membership rows give, read
    together with the user (``grids.auth``), as ``reach`` would have computed it."""
    user._gridgov_reach = reach_from(user, memberships)
    return user._gridgov_reach


def reaches_prime(users) -> None:
    """Work out many users' reaches at once (two queries) and keep each on its user object, as ``reach``
    would: for a generator that acts as hundreds of users (the demo history)."""
    users = [u for u in users if getattr(u, "is_authenticated", False)]
    rows: dict[int, list] = {u.pk: [] for u in users}
    memberships = Membership.objects.filter(user_id__in=list(rows), is_active=True, area__is_active=True)
    for user_id, *row in memberships.values_list("user_id", "role", "area__code", "department_id"):
        rows[user_id].append(tuple(row))
    covered: dict[int, list] = {}
    for department_id, code in Department.covered_areas.through.objects.values_list(
        "department_id", "area__code"
    ):
        covered.setdefault(department_id, []).append(code)
    for user in users:
        user._gridgov_reach = reach_from(user, rows[user.pk], covered)


def reach_from(user, memberships, covered=None) -> Reach:
    """The reach given by (role, area code, department id) rows of the user's active memberships in
    active areas; ``covered``: the area codes each department covers, when already read."""
    codes_by_role: dict[str, set] = {}
    department_ids = set()
    for role, code, department_id in memberships:
        if role == Role.DEPARTMENT_HANDLER:
            department_ids.add(department_id)
        else:
            codes_by_role.setdefault(role, set()).add(code)
    department_codes: tuple = ()
    if covered is not None:
        department_codes = tuple(code for d in sorted(department_ids) for code in covered.get(d, ()))
    elif department_ids:
        department_codes = tuple(
            Department.covered_areas.through.objects.filter(department_id__in=department_ids).values_list(
                "area__code", flat=True
            )
        )
    return Reach(
        is_superuser=user.is_superuser,
        codes_by_role={role: frozenset(codes) for role, codes in codes_by_role.items()},
        department_ids=frozenset(department_ids),
        department_area_codes=department_codes,
    )


def _active_memberships(user_id) -> list[tuple]:
    """(role, area code, department id) of the user's active memberships in active areas."""
    return list(
        Membership.objects.filter(user_id=user_id, is_active=True, area__is_active=True).values_list(
            "role", "area__code", "department_id"
        )
    )


def forget_reach(user):
    user.__dict__.pop("_gridgov_reach", None)


def area_roots(codes) -> list[str]:
    """The codes that are not under another listed code (their subtrees already cover the rest)."""
    roots = []
    for code in sorted(set(codes)):
        if not roots or not code.startswith(roots[-1]):
            roots.append(code)
    return roots


def prefix_q(field_name: str, codes, q_for=None) -> Q:
    """Q matching rows whose ``field_name`` starts with any of the codes (index range scans); matches
    nothing for no codes. ``q_for(code)`` replaces the range scan for models with better columns."""
    roots = area_roots(codes)
    if not roots:
        return Q(pk__in=[])
    return reduce(or_, (q_for(code) if q_for else code_range_q(field_name, code) for code in roots))


@scope_for(Area)
def area_scope(user, qs):
    """Areas in the user's subtrees, plus their ancestors (for breadcrumbs; names only, no contents)."""
    roots = reach(user).area_codes
    ancestor_codes = {root[:n] for root in roots for n in CODE_LENGTH.values() if n < len(root)}
    return qs.filter(prefix_q("code", roots) | Q(code__in=ancestor_codes))


@scope_for(Membership)
def membership_scope(user, qs):
    """Memberships inside the user's area subtrees (who works where), and the user's own."""
    return qs.filter(prefix_q("area__code", reach(user).codes()) | Q(user=user))

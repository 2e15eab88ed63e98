"""Access scope: which rows a user may see, one function per model family, failing closed.

A family registers its scoping function with ``@scope_for(Model)``; ``scoped(user, queryset)`` looks it up
by the queryset's model. A model with no registered function raises, so exposing a new model through the
API without deciding its scope fails the first test that lists it.

Area-based roles see the subtree of each area they hold a role in; department handlers see what their
department covers. Superusers see everything.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from .models import CODE_LENGTH, Area, Membership, Role, code_range_q

_SCOPES: dict[type, Callable] = {}


def scope_for(model):
    def register(fn):
        _SCOPES[model] = fn
        return fn

    return register


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


def reach_from(user, memberships) -> Reach:
    """The reach given by (role, area code, department id) rows of the user's active memberships in
    active areas."""
    codes_by_role: dict[str, set] = {}
    department_ids = set()
    for role, code, department_id in memberships:
        if role == Role.DEPARTMENT_HANDLER:
            department_ids.add(department_id)
        else:
            codes_by_role.setdefault(role, set()).add(code)
    department_codes = ()
    if department_ids:
        from .models import Department

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


def scoped(user, queryset: QuerySet) -> QuerySet:
    fn = _SCOPES.get(queryset.model)
    if fn is None:
        raise ImproperlyConfigured(f"No access scope registered for {queryset.model.__name__}.")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if reach(user).is_superuser:
        return queryset
    return fn(user, queryset)


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

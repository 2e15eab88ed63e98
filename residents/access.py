"""Who may see and do what in the register. One place for the rules, used by selectors, services, API and
pages.

* Reading the register: any area role (grid worker and leader, community, street, district centre,
  read-only leader) in its subtree. Department handlers see no residents.
* Writing: the grid team, community and street staff and the district centre, in their subtrees.
* Special-management tags (sensitive groups): the district centre in its district; community and street
  staff only with the explicit Django permission ``residents.view_sensitive``. Grid workers never.
* Full ID and phone numbers: only with the explicit permission ``residents.unmask_pii``, in the subtree of
  a writing role, one person at a time with a stated reason, every look logged.
* Exports: community and street staff and the district centre; unmasked only with ``unmask_pii``.
* The access log: the district centre.
"""

from django.db.models import Q

from grids.models import Role
from grids.scope import prefix_q, reach

READ_ROLES = [
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
    Role.LEADER_READONLY,
]
WRITE_ROLES = [
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_CENTRE,
]
EXPORT_ROLES = [Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE]
SENSITIVE_BY_PERMISSION_ROLES = [Role.COMMUNITY_STAFF, Role.STREET_STAFF]
UNMASK_PERMISSION = "residents.unmask_pii"
SENSITIVE_PERMISSION = "residents.view_sensitive"
ALL = ("",)  # the prefix every code starts with: a superuser's reach


def _codes(user, roles):
    r = reach(user)
    if r.is_superuser:
        return list(ALL)
    return r.codes(roles)


def read_codes(user):
    return _codes(user, READ_ROLES)


def write_codes(user):
    return _codes(user, WRITE_ROLES)


def export_codes(user):
    return _codes(user, EXPORT_ROLES)


def sensitive_codes(user):
    """Area roots where the user may see special-management tags."""
    if reach(user).is_superuser:
        return list(ALL)
    codes = set(reach(user).codes([Role.DISTRICT_CENTRE]))
    if user.has_perm(SENSITIVE_PERMISSION):
        codes |= set(reach(user).codes(SENSITIVE_BY_PERMISSION_ROLES))
    return sorted(codes)


def unmask_codes(user):
    """Area roots where the user may reveal full ID and phone numbers (with a reason, logged)."""
    if reach(user).is_superuser:
        return list(ALL)
    if not user.has_perm(UNMASK_PERMISSION):
        return []
    return reach(user).codes(WRITE_ROLES)


def log_codes(user):
    return _codes(user, [Role.DISTRICT_CENTRE])


def covers(codes, code: str) -> bool:
    return any(code.startswith(root) for root in codes)


def can_write(user, code):
    return covers(write_codes(user), code)


def can_see_sensitive(user, code):
    return covers(sensitive_codes(user), code)


def can_unmask(user, code):
    return covers(unmask_codes(user), code)


def can_export(user, code):
    return covers(export_codes(user), code)


def codes_q(field_name: str, codes) -> Q:
    """Rows whose ``field_name`` lies under any of the codes; everything for a superuser's reach."""
    codes = list(codes)
    if "" in codes:
        return Q()
    return prefix_q(field_name, codes)

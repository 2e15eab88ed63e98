"""``command_nav``: which of this app's pages the signed-in user has, for the links in base.html."""

from django.utils.functional import SimpleLazyObject

from grids.models import Role
from grids.scope import reach

from .selectors import MAP_ROLES


def _links(user):
    r = reach(user)
    return {
        "map": r.is_superuser or bool(r.codes(MAP_ROLES)),
        "patrol": bool(r.codes([Role.GRID_WORKER])),
        "centre": r.is_superuser or bool(r.codes([Role.DISTRICT_CENTRE])),
        # An area role (not only a department's): the community's own work (duty, disputes, volunteers).
        "area": r.is_superuser or bool(r.codes()),
        # Early warnings are routed to units, departments included (docs/domain.md §17.2).
        "warnings": r.is_superuser or bool(r.codes(MAP_ROLES)) or bool(r.department_ids),
    }


def command_nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"command_nav": dict.fromkeys(("map", "patrol", "centre", "area", "warnings"), False)}
    return {"command_nav": SimpleLazyObject(lambda: _links(user))}  # no query on pages that do not ask

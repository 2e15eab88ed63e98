from django.db.models import Q

from grids.scope import prefix_q, reach, scope_for

from .models import Department


@scope_for(Department)
def department_scope(user, qs):
    """Departments serving any part of the user's areas, and the user's own departments."""
    user_reach = reach(user)
    codes = user_reach.codes()
    # A department is visible when it covers an area on the path to (or under) one of the user's areas.
    above = {code[:n] for code in codes for n in (6, 9, 12, 15, 18) if n <= len(code)}
    covering = Q(covered_areas__code__in=above) | prefix_q("covered_areas__code", codes)
    return qs.filter(Q(pk__in=qs.filter(covering).values("pk")) | Q(pk__in=user_reach.department_ids))

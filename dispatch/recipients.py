"""Who hears about a case: the unit staff at a level over the case's area, and the handling unit's people.

``Audience`` loads, in one query, every active membership that can matter for a set of cases (the
memberships on the cases' ancestor areas and those of their departments), then answers per case in
memory — so the sweep pays one query per batch, not one per case.
"""

from dataclasses import dataclass

from grids.models import CODE_LENGTH, Level, Membership, Role

# The unit that files, dispatches and answers for a case of each level (docs/domain.md §1.3).
UNIT_ROLE = {
    "grid": Role.GRID_LEADER,
    "community": Role.COMMUNITY_STAFF,
    "street": Role.STREET_STAFF,
    "district": Role.DISTRICT_CENTRE,
}
TEAM_ROLES = {
    Level.GRID: (Role.GRID_WORKER, Role.GRID_LEADER),
    Level.MICROGRID: (Role.GRID_WORKER, Role.GRID_LEADER),
    Level.COMMUNITY: (Role.COMMUNITY_STAFF,),
}


@dataclass(frozen=True)
class CaseRef:
    """What the audience needs of a case (built from a model instance or a ``values()`` row)."""

    id: int
    area_code: str
    level: str
    handling_department_id: int | None = None
    handling_area_code: str = ""
    handling_area_level: str = ""
    reporter_id: int | None = None

    @classmethod
    def of(cls, case):
        area = case.handling_area if case.handling_area_id else None
        return cls(
            case.pk,
            case.area_code,
            case.level,
            case.handling_department_id,
            area.code if area else "",
            area.level if area else "",
            case.reporter_id,
        )


def _ancestors(code: str) -> set[str]:
    return {code[:n] for n in CODE_LENGTH.values() if n <= len(code)}


class Audience:
    def __init__(self, refs, extra_department_ids=()):
        codes, departments = set(), set(extra_department_ids)
        for ref in refs:
            codes |= _ancestors(ref.area_code)
            if ref.handling_area_code:
                codes |= _ancestors(ref.handling_area_code)
            if ref.handling_department_id:
                departments.add(ref.handling_department_id)
        self.by_area: dict[tuple[str, str], set[int]] = {}
        self.by_department: dict[int, set[int]] = {}
        rows = (
            Membership.objects.filter(is_active=True, area__is_active=True, user__is_active=True)
            .filter(area__code__in=codes)
            .exclude(role=Role.DEPARTMENT_HANDLER)
            .values_list("user_id", "role", "area__code")
            if codes
            else []
        )
        for user_id, role, code in rows:
            self.by_area.setdefault((role, code), set()).add(user_id)
        if departments:
            handlers = Membership.objects.filter(
                is_active=True,
                user__is_active=True,
                role=Role.DEPARTMENT_HANDLER,
                department_id__in=departments,
            ).values_list("user_id", "department_id")
            for user_id, department_id in handlers:
                self.by_department.setdefault(department_id, set()).add(user_id)

    def _holding(self, code: str, roles) -> set[int]:
        users = set()
        for prefix in _ancestors(code):
            for role in roles:
                users |= self.by_area.get((role, prefix), set())
        return users

    def unit_staff(self, ref: CaseRef, level: str) -> set[int]:
        """Staff of the unit at ``level`` over the case's area (e.g. its street's acceptance centre)."""
        return set(self.by_area.get((UNIT_ROLE[level], ref.area_code[: CODE_LENGTH[level]]), set()))

    def handlers(self, ref: CaseRef) -> set[int]:
        """The handling unit's people: its department's handlers, or the grid / community team."""
        if ref.handling_department_id:
            return set(self.by_department.get(ref.handling_department_id, set()))
        if ref.handling_area_code:
            return self._holding(ref.handling_area_code, TEAM_ROLES.get(ref.handling_area_level, ()))
        return set()

    def department_handlers(self, department_id) -> set[int]:
        return set(self.by_department.get(department_id, set()))

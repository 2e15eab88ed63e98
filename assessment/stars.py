"""Five-star grids (五星网格): the figures an evaluator reads beside each star of a grid for a month.

Each star looks at the grid's cases of the categories it is about (by major class of the catalogue), plus
the team's own work for the organisation star. The figures come from one GROUP BY over the grid's records
of the month, summed per star.
"""

from django.utils.translation import gettext_lazy as _

from cases.models import Category
from grids.models import Membership, Role
from grids.scope import prefix_q, scoped

from .figures import PARTS
from .models import CaseRecord, Star
from .records import month_bounds
from .report import figure_values, part_counts

# Major classes of the shipped catalogue per star (None: all categories).
STAR_MAJORS = {
    Star.ORGANISATION: None,
    Star.SECURITY: ("07", "08", "10"),  # safety hazards, fire, special groups
    Star.PROPERTY: ("01", "03", "05"),  # city appearance, construction, public facilities
    Star.CULTURE: ("02", "04"),  # advertising, street order
    Star.NEIGHBOURLINESS: ("06", "09"),  # disputes, livelihood requests
}
STAR_FIGURES = {
    Star.ORGANISATION: ["valid_report_rate", "verification_on_time_rate", "self_handled", "missed_report_rate"],
    Star.SECURITY: ["due_for_closing", "closure_rate", "on_time_closure_rate", "overdue_open"],
    Star.PROPERTY: ["due_for_closing", "closure_rate", "on_time_handling_rate", "satisfaction_rate"],
    Star.CULTURE: ["due_for_closing", "closure_rate", "rework_rate", "self_handled"],
    Star.NEIGHBOURLINESS: ["due_for_closing", "closure_rate", "satisfaction_rate", "overdue_open"],
}
STAR_HINTS = {
    Star.ORGANISATION: _("The team: members, valid reports, on-time verification, self-handling, missed reports."),
    Star.SECURITY: _("Safety hazards, fire and special groups: cases closed, on time, still overdue."),
    Star.PROPERTY: _("City appearance, construction and public facilities: closure, handling, satisfaction."),
    Star.CULTURE: _("Advertising and street order: closure, rework, on-the-spot fixes."),
    Star.NEIGHBOURLINESS: _("Disputes and livelihood requests: closure, satisfaction, still overdue."),
}


def supporting_figures(user, grid, month: int, as_of=None) -> dict:
    """{star: {"figures": {key: {value, num, den}}, "members": n}} for ``grid`` in month YYYYMM."""
    from django.utils import timezone

    start, end = month_bounds(month)
    as_of = as_of or timezone.now()
    qs = scoped(user, CaseRecord.objects.all()).filter(prefix_q("grid_code", [grid.code]), period_at__gte=start,
                                                         period_at__lt=end)
    by_major = part_counts(qs, "major_id", as_of, [p for p in PARTS.values() if p.model == "record"])
    codes = dict(Category.objects.filter(pk__in=[int(k) for k in by_major if k]).values_list("pk", "code"))
    members = Membership.objects.filter(area__code__startswith=grid.code, is_active=True,
                                        role__in=[Role.GRID_WORKER, Role.GRID_LEADER]).values("user").distinct().count()
    out = {}
    for star in Star.values:
        majors = STAR_MAJORS[star]
        counts = {}
        for pk, row in by_major.items():
            if majors is None or codes.get(int(pk) if pk else None, "")[:2] in majors:
                for key, value in row.items():
                    counts[key] = (counts.get(key) or 0) + (value or 0)
        out[star] = {"figures": figure_values(counts, STAR_FIGURES[star])}
        if star == Star.ORGANISATION:
            out[star]["members"] = members
    return out

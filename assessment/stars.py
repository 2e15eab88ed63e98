"""Five-star grids (五星网格): the figures an evaluator reads beside each star of a grid for a month.

Each star looks at the grid's cases of the categories it is about (by major class of the catalogue), plus
the team's own work for the organisation star. The figures come from one GROUP BY over the grid's records
of the month, summed per star.
"""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Category
from grids.models import Membership, Role
from grids.scope import prefix_q, scoped

from .figures import PARTS
from .models import CaseRecord, Star
from .records import month_bounds
from .report import figure_values

# Major classes of the shipped catalogue per star (None: all categories).
MEMBER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER]
STAR_MAJORS = {
    Star.ORGANISATION: None,
    Star.SECURITY: ("07", "08", "10"),  # safety hazards, fire, special groups
    Star.PROPERTY: ("01", "03", "05"),  # city appearance, construction, public facilities
    Star.CULTURE: ("02", "04"),  # advertising, street order
    Star.NEIGHBOURLINESS: ("06", "09"),  # disputes, livelihood requests
}
STAR_FIGURES = {
    Star.ORGANISATION: [
        "valid_report_rate",
        "verification_on_time_rate",
        "self_handled",
        "missed_report_rate",
    ],
    Star.SECURITY: ["due_for_closing", "closure_rate", "on_time_closure_rate", "overdue_open"],
    Star.PROPERTY: ["due_for_closing", "closure_rate", "on_time_handling_rate", "satisfaction_rate"],
    Star.CULTURE: ["due_for_closing", "closure_rate", "rework_rate", "self_handled"],
    Star.NEIGHBOURLINESS: ["due_for_closing", "closure_rate", "satisfaction_rate", "overdue_open"],
}
STAR_HINTS = {
    Star.ORGANISATION: _(
        "The team: members, valid reports, on-time verification, self-handling, missed reports."
    ),
    Star.SECURITY: _("Safety hazards, fire and special groups: cases closed, on time, still overdue."),
    Star.PROPERTY: _("City appearance, construction and public facilities: closure, handling, satisfaction."),
    Star.CULTURE: _("Advertising and street order: closure, rework, on-the-spot fixes."),
    Star.NEIGHBOURLINESS: _("Disputes and livelihood requests: closure, satisfaction, still overdue."),
}


def supporting_figures(user, grid, month: int, as_of=None) -> dict:
    """{star: {"figures": {key: {value, num, den}}, "members": n}} for ``grid`` in month YYYYMM."""
    return supporting_figures_for(user, [grid], month, as_of)[grid.code]


def supporting_figures_for(user, grids, month: int, as_of=None) -> dict:
    """{grid code: {star: {...}}} for several grids: one GROUP BY (grid, major class) over their records."""
    start, end = month_bounds(month)
    as_of = as_of or timezone.now()
    codes = [g.code for g in grids]
    qs = scoped(user, CaseRecord.objects.all()).filter(
        prefix_q("grid_code", codes), period_at__gte=start, period_at__lt=end
    )
    aggs = {p.key: Count("pk", filter=p.q(as_of)) for p in PARTS.values() if p.model == "record"}
    rows = list(qs.values("grid_code", "major_id").order_by().annotate(**aggs))
    major_codes = dict(
        Category.objects.filter(pk__in={r["major_id"] for r in rows}).values_list("pk", "code")
    )
    members = dict(
        Membership.objects.filter(area__code__in=codes, is_active=True, role__in=MEMBER_ROLES)
        .values("area__code")
        .order_by()
        .annotate(n=Count("user", distinct=True))
        .values_list("area__code", "n")
    )
    out = {code: {} for code in codes}
    for code in codes:
        mine = [r for r in rows if r["grid_code"].startswith(code)]
        for star in Star.values:
            majors = STAR_MAJORS[star]
            counts = {}
            for r in mine:
                if majors is None or major_codes.get(r["major_id"], "")[:2] in majors:
                    for key in aggs:
                        counts[key] = counts.get(key, 0) + (r[key] or 0)
            out[code][star] = {"figures": figure_values(counts, STAR_FIGURES[star])}
        out[code][Star.ORGANISATION]["members"] = members.get(code, 0)
    return out

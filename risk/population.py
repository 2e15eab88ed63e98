"""Population and housing statistics of the register by area (实有人口与房屋统计): for an area, one row per
unit one level below it (a district by street, a street by community, a community by grid) and a total.

Every column is one grouped query over the register (``Substr`` of the area code, so a micro-grid's rows
count to its grid): households; residents (living here: status resident) by registration and by age band;
members of the group tags (special-management ones only for readers with ``residents.view_sensitive``,
docs/domain.md §6.4); dwellings rented and vacant. Ages are whole years on the day of the statistics."""

import datetime as dt
import io

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.sheets import sheet_row, sheet_title
from grids.models import CODE_LENGTH, LEVEL_ORDER, Area, Level
from grids.scope import prefix_q, reach
from residents.access import SENSITIVE_PERMISSION
from residents.models import Dwelling, GroupTag, Household, Person, PersonTag

from .selectors import AREA_ROLES

AGE_BANDS = [(0, 17), (18, 59), (60, 79), (80, None)]
COLUMNS = [
    ("households", gettext_lazy("Households registered")),
    ("persons", gettext_lazy("Persons living here")),
    ("registered", gettext_lazy("Registered (hukou)")),
    ("floating", gettext_lazy("Floating population")),
    *[(f"age_{lo}", f"{lo}–{hi}" if hi is not None else f"{lo}+") for lo, hi in AGE_BANDS],
    ("priority", gettext_lazy("Priority service groups")),
    ("special", gettext_lazy("Special management groups")),
    ("rented", gettext_lazy("Rented dwellings")),
    ("vacant", gettext_lazy("Empty dwellings")),
]


def roots_of(user) -> list[str]:
    r = reach(user)
    if r.is_superuser:
        return list(Area.objects.filter(level=Level.DISTRICT, is_active=True).values_list("code", flat=True))
    return r.codes(AREA_ROLES)


def _birth_between(today, lo, hi):
    """Born so that the age today is in [lo, hi]."""
    q = Q(birth_date__lte=_years_before(today, lo))
    if hi is not None:
        q &= Q(birth_date__gt=_years_before(today, hi + 1))
    return q


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def statistics(user, area: Area, *, today: dt.date | None = None) -> dict:
    """Rows per unit one level below ``area`` (which must be in the user's reach) and their total."""
    today = today or timezone.localdate()
    below = LEVEL_ORDER[min(LEVEL_ORDER.index(area.level) + 1, LEVEL_ORDER.index(Level.GRID))]
    n = CODE_LENGTH[below]
    within = prefix_q("area__code", [area.code])
    unit = Substr("area__code", 1, n)
    rows: dict[str, dict] = {}

    def put(found):
        for code, values in found:
            rows.setdefault(code, {}).update(values)

    put(
        (r.pop("u"), r)
        for r in Household.objects.filter(within)
        .annotate(u=unit)
        .values("u")
        .annotate(households=Count("id"))
    )
    persons = {
        "persons": Count("id"),
        "registered": Count("id", filter=Q(residence_type=Person.ResidenceType.REGISTERED)),
        "floating": Count("id", filter=Q(residence_type=Person.ResidenceType.FLOATING)),
        **{f"age_{lo}": Count("id", filter=_birth_between(today, lo, hi)) for lo, hi in AGE_BANDS},
    }
    put(
        (r.pop("u"), r)
        for r in Person.objects.filter(within, status=Person.Status.RESIDENT)
        .annotate(u=unit)
        .values("u")
        .annotate(**persons)
    )
    special = GroupTag.Category.SPECIAL_MANAGEMENT
    put(
        (r.pop("u"), r)
        for r in PersonTag.objects.filter(within, ended_on__isnull=True)
        .annotate(u=unit)
        .values("u")
        .annotate(
            priority=Count("id", filter=~Q(tag__category=special)),
            special=Count("id", filter=Q(tag__category=special)),
        )
    )
    put(
        (r.pop("u"), r)
        for r in Dwelling.objects.filter(within)
        .annotate(u=unit)
        .values("u")
        .annotate(
            rented=Count("id", filter=Q(use=Dwelling.Use.RENTED)),
            vacant=Count("id", filter=Q(use=Dwelling.Use.VACANT)),
        )
    )
    sensitive = user.has_perm(SENSITIVE_PERMISSION)
    names = dict(Area.objects.filter(code__in=list(rows)).values_list("code", "name"))
    keys = [k for k, _label in COLUMNS]
    table = []
    for code in sorted(rows):
        values = {k: rows[code].get(k, 0) for k in keys}
        if not sensitive:
            values["special"] = None
        table.append({"code": code, "name": names.get(code, code), "values": [values[k] for k in keys]})
    total = [
        None if any(r["values"][i] is None for r in table) else sum(r["values"][i] for r in table)
        for i in range(len(keys))
    ]
    return {
        "area": area,
        "level": below,
        "day": today,
        "columns": [label for _k, label in COLUMNS],
        "rows": table,
        "total": total,
    }


def statistics_xlsx(stats: dict) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Population and housing"))
    sheet_title(
        sheet, _("Population and housing statistics"), scope=stats["area"].name, generated_at=timezone.now()
    )
    sheet_row(sheet, [_("Code"), _("Area"), *[str(c) for c in stats["columns"]]])
    for row in stats["rows"]:
        sheet_row(sheet, [row["code"], row["name"], *["—" if v is None else v for v in row["values"]]])
    sheet_row(sheet, ["", _("Total"), *["—" if v is None else v for v in stats["total"]]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

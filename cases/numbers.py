"""Case numbers: year + street code + serial, unique and gap-free.

The counter row is incremented under a row lock inside the transaction that inserts the case, so a
rolled-back creation gives its number back and two creations never share one.
"""

from django.db.models import F

from grids.models import CODE_LENGTH, Level

from .models import CaseNumberCounter


def case_number_allocate(*, year: int, area_code: str) -> str:
    street_code = area_code[: CODE_LENGTH[Level.STREET]]
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(year=year, area_code=street_code, last=0)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.select_for_update().get(year=year, area_code=street_code)
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return f"{year}{street_code}{counter.last + 1:06d}"

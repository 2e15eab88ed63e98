"""Case numbers: year + street code + serial, unique and gap-free.

The counter row is incremented under a row lock inside the transaction that inserts the case, so a
rolled-back creation gives its number back and two creations never share one.
"""

from django.db import connection

from grids.models import CODE_LENGTH, Level

from .models import CaseNumberCounter


def case_number_allocate(*, year: int, area_code: str) -> str:
    street_code = area_code[: CODE_LENGTH[Level.STREET]]
    # One statement creates the counter or bumps it and hands back the new serial; the row stays locked
    # until the creating transaction ends (PostgreSQL and SQLite ≥ 3.35 both speak this upsert).
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, area_code, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (year, area_code) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year, street_code],
        )
        serial = cursor.fetchone()[0]
    return f"{year}{street_code}{serial:06d}"

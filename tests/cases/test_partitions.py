"""The case events' monthly partitions on PostgreSQL (migration 0022, gridgov.partitions): the migrated
trail first, months made ahead by the sweep, a chain that runs across partitions and still verifies, and
the event number unique in a month by the partition's index, across months by the writer and the check."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from cases import audit, services
from cases.models import CaseEvent
from gridgov import partitions

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
]

TABLE = CaseEvent._meta.db_table
COLUMNS = "case_id, seq, kind, actor_id, from_status, to_status, comment, payload, prev_hash, hash, key_id"


def months():
    return partitions.months([TABLE])[TABLE]


def where(event) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def copy(event, shift: str) -> None:
    """A second row for the event's number, its time moved by ``shift`` (what a writer without the lock, or
    someone with database access, could leave)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({COLUMNS}, created_at) SELECT {COLUMNS}, created_at + %s::interval "
            f"FROM {TABLE} WHERE id = %s",
            [shift, event.pk],
        )


@pytest.fixture
def across(tree, new_case):
    """A case reported in the migrated months and voided in the first month after them."""
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    first = months()[1][1] - timedelta(days=20)  # inside the first month made ahead
    with time_machine.travel(first, tick=False):
        services.case_void(case_id=new_case.pk, actor=tree.users["centre"], reason="误报")
    return new_case


def test_it_partitions_the_trail_by_month_with_the_migrated_table_first():
    found = months()
    assert found[0][0] == f"{TABLE}_legacy"
    assert [partitions.month_add(a, 1) for _n, a in found[:-1]] == [b for _n, b in found[1:]]


def test_it_makes_the_months_ahead_with_their_unique_number_index():
    last = months()[-1][1]
    assert partitions.months_ensure(now=last + timedelta(days=40)) >= partitions.AHEAD
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"{TABLE}_y{last:%Y}m{last:%m}_seq"]
        )
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition and "(case_id, seq)" in definition


def test_it_verifies_a_chain_that_runs_across_partitions_and_its_checkpoint(across):
    events = list(across.events.order_by("seq"))
    assert where(events[0]) == f"{TABLE}_legacy"
    assert where(events[-1]) == months()[1][0]
    audit.checkpoint_write()
    assert audit.breaks() == []


def test_it_refuses_a_number_twice_in_one_month(across):
    last = across.events.order_by("-seq").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        copy(last, "1 second")


def test_it_reports_a_number_used_again_in_another_month(across):
    last = across.events.order_by("-seq").first()
    copy(last, "-40 days")  # the other month's partition takes it: no index spans both
    assert ("repeated", last.seq) in {(b.kind, b.seq) for b in audit.breaks()}

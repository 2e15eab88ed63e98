"""Many looks logged at once take turns at the chain's head: numbers without holes or twins, and a chain
that verifies. PostgreSQL only (real row locks)."""

import datetime as dt

import pytest
from django.utils import timezone

from command import services as command_services
from gridgov import audit_chain
from gridgov.audit_chain import breaks as access_log_breaks
from residents.models import PII_LOG_CHAIN, PiiAccessLog, PiiAccessLogHead
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_looks_are_numbered_once_each_and_chain(tree):
    actor = tree.users["centre"]

    def look(n):
        return lambda: (
            PiiAccessLog.objects.create(
                actor=actor, action="reveal", area_code="430104", reason=f"同时核查 {n}"
            ).seq
        )

    results = run_together(*(look(n) for n in range(6)))
    assert [kind for kind, _ in results] == ["ok"] * 6
    assert sorted(seq for _, seq in results) == [1, 2, 3, 4, 5, 6]
    assert audit_chain.verify(PiiAccessLog, head_model=PiiAccessLogHead, chain=PII_LOG_CHAIN) == []


def test_simultaneous_track_looks_chain_too(tree):
    users = tree.users
    now = timezone.now()

    def look(viewer):
        return lambda: command_services.track_access_record(
            viewer=users[viewer],
            subject_ids=[users["worker"].pk, users["worker2"].pk],
            start=now - dt.timedelta(hours=1),
            end=now,
            via="map",
        )

    results = run_together(look("community"), look("centre"), look("leader"))
    assert [kind for kind, _ in results] == ["ok"] * 3
    assert access_log_breaks() == []

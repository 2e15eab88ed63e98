"""The hourly checkpoint while events are being written: PostgreSQL only (two connections, real commits).

The race: an event takes its id when it is inserted but becomes visible when its transaction commits. A
writer that inserted event N and has not committed yet, while another writer's event N+1 has, left the
checkpoint's "events up to id N+1" claiming an event it never saw, and the verifier then reported a false
mismatch against a clean trail.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from cases import audit, services
from cases.models import AuditCheckpoint, Case, CaseEvent

from .conftest import report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVENTS = CaseEvent._meta.db_table


def _checkpoint_waits_on_the_events_table() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", [EVENTS]
        )
        return cursor.fetchone()[0] > 0


def _in_thread(call, results, name):
    def run():
        try:
            results[name] = ("ok", call())
        except Exception as exc:  # the thread's outcome is the assertion's subject
            results[name] = ("error", exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_it_checkpoints_an_event_committed_after_a_later_one_without_a_false_mismatch(tree, rubbish):
    early, late = report(tree, rubbish), report(tree, rubbish, grid=1)
    inserted, go, results = threading.Event(), threading.Event(), {}

    def writer_holding_its_transaction():
        with transaction.atomic():
            services.case_file(case_id=early.pk, actor=tree.users["community"])
            inserted.set()
            assert go.wait(30)
        return CaseEvent.objects.get(case=early, kind="file").pk

    writer = _in_thread(writer_holding_its_transaction, results, "writer")
    assert inserted.wait(30)
    services.case_file(case_id=late.pk, actor=tree.users["centre"])  # a later id, committed first
    checkpointer = _in_thread(audit.checkpoint_write, results, "checkpoint")
    deadline = time.monotonic() + 30
    while checkpointer.is_alive() and not _checkpoint_waits_on_the_events_table():
        assert time.monotonic() < deadline, "the checkpoint neither finished nor waited"
        time.sleep(0.01)
    go.set()  # the early writer commits while (or after) the checkpoint runs
    writer.join(30)
    checkpointer.join(30)

    assert results["writer"][0] == "ok", results
    assert results["checkpoint"][0] == "ok", results
    early_event = results["writer"][1]
    checkpoint = AuditCheckpoint.objects.get()
    late_event = CaseEvent.objects.get(case=late, kind="file").pk
    assert early_event < late_event <= checkpoint.last_event_id  # the ids the race is about
    assert audit.breaks() == []  # exactly what the checkpoint saw: no false mismatch

    # A real cut still shows: the early case's last event deleted and its head moved back with it.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [early_event])
        head = CaseEvent.objects.filter(case=early).order_by("-seq").first()
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET last_event_seq = %s, last_event_hash = %s WHERE id = %s",
            [head.seq, head.hash, early.pk],
        )
    assert [b.kind for b in audit.breaks()] == ["checkpoint"]


def test_it_gives_up_rather_than_hold_writers_back_while_one_keeps_its_transaction_open(
    tree, rubbish, monkeypatch
):
    case = report(tree, rubbish)
    monkeypatch.setattr(audit, "MARK_TRIES", 2)
    inserted, go, results = threading.Event(), threading.Event(), {}

    def writer_holding_its_transaction():
        with transaction.atomic():
            services.case_file(case_id=case.pk, actor=tree.users["community"])
            inserted.set()
            assert go.wait(30)

    writer = _in_thread(writer_holding_its_transaction, results, "writer")
    assert inserted.wait(30)
    try:
        with pytest.raises(audit.CheckpointBusy):
            audit.checkpoint_write()
    finally:
        go.set()
        writer.join(30)
    assert results["writer"][0] == "ok", results
    assert not AuditCheckpoint.objects.exists()
    audit.checkpoint_write()  # the writer is done: the next try signs
    assert audit.breaks() == []

"""The case-event audit trail: every kind of change made with database access shows, by case and event."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cases import audit, services
from cases.events import LEGACY_KEY_ID, event_content, legacy_hash
from cases.models import Attachment, AuditCheckpoint, Case, CaseEvent
from dispatch.sweep import sweep
from gridgov.audit_hash import dev_key
from tests.factories import report

pytestmark = pytest.mark.django_db

EVENTS = CaseEvent._meta.db_table
CASES = Case._meta.db_table


@pytest.fixture
def chain(tree, new_case):
    """A case with three events (report, file, void), all keyed."""
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    services.case_void(case_id=new_case.pk, actor=tree.users["centre"], reason="误报")
    new_case.refresh_from_db()
    return new_case


def sql(statement, params):
    with connection.cursor() as cursor:  # what an attacker with database access would do
        cursor.execute(statement, params)


def event(case, seq):
    return CaseEvent.objects.get(case=case, seq=seq)


def kinds(found):
    return sorted((b.kind, b.seq) for b in found)


def rehash_from(case, seq):
    """Rebuild the chain from ``seq`` on with the plain SHA-256 scheme (no key), and the case's head."""
    prev = event(case, seq - 1).hash
    for e in CaseEvent.objects.filter(case=case, seq__gte=seq).order_by("seq"):
        digest = legacy_hash(prev, **event_content(e))
        sql(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, e.pk])
        prev = digest
    sql(f"UPDATE {CASES} SET last_event_hash = %s WHERE id = %s", [prev, case.pk])


def test_a_clean_trail_verifies_and_keeps_its_head_on_the_case_row(chain, capsys):
    events = list(chain.events.order_by("seq"))
    assert [e.key_id for e in events] == ["dev"] * 3  # the configured key (development's, here)
    assert (chain.last_event_seq, chain.last_event_hash) == (3, events[-1].hash)
    assert audit.breaks() == []
    audit.checkpoint_write()
    assert audit.breaks() == []
    call_command("verify_audit")
    assert "All 1 case chains verify" in capsys.readouterr().out


def test_heads_only_move_forward_past_a_checkpoint(chain, tree, rubbish):
    audit.checkpoint_write()
    other = report(tree, rubbish, grid=1)  # written after the checkpoint: not part of it
    services.case_file(case_id=other.pk, actor=tree.users["centre"])
    assert audit.breaks() == []


def test_an_edited_field(chain):
    sql(f"UPDATE {EVENTS} SET comment = %s WHERE id = %s", ["改过", event(chain, 3).pk])
    found = audit.breaks()
    assert kinds(found) == [("edited", 3)]
    assert found[0].case_number == chain.number and found[0].event_id == event(chain, 3).pk


def test_a_deleted_middle_event(chain):
    sql(f"DELETE FROM {EVENTS} WHERE id = %s", [event(chain, 2).pk])
    assert kinds(audit.breaks()) == [("missing", 3)]


def test_a_deleted_last_event(chain, capsys):
    sql(f"DELETE FROM {EVENTS} WHERE id = %s", [event(chain, 3).pk])
    assert kinds(audit.breaks()) == [("deleted_tail", 3)]
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"Case {chain.number} event #3" in capsys.readouterr().err


def test_a_deleted_last_event_with_its_head_moved_back_shows_against_the_checkpoint(chain):
    audit.checkpoint_write()
    second = event(chain, 2)
    sql(f"DELETE FROM {EVENTS} WHERE id = %s", [event(chain, 3).pk])
    sql(f"UPDATE {CASES} SET last_event_seq = 2, last_event_hash = %s WHERE id = %s", [second.hash, chain.pk])
    assert [b.kind for b in audit.breaks()] == ["checkpoint"]


def test_a_rehashed_chain(chain):
    sql(f"UPDATE {EVENTS} SET comment = %s WHERE id = %s", ["改过", event(chain, 2).pk])
    rehash_from(chain, 2)
    assert kinds(audit.breaks()) == [("rehashed", 2), ("rehashed", 3)]


def test_a_rebuilt_legacy_chain_shows_against_the_checkpoint(chain):
    # Someone rebuilds the whole chain as "old" plain SHA-256 events: each link verifies on its own,
    # but the heads no longer give the signed digest.
    audit.checkpoint_write()
    sql(f"UPDATE {EVENTS} SET comment = %s WHERE id = %s", ["改过", event(chain, 2).pk])
    sql(f"UPDATE {EVENTS} SET key_id = %s WHERE case_id = %s", [LEGACY_KEY_ID, chain.pk])
    prev = event(chain, 1).prev_hash
    for e in chain.events.order_by("seq"):
        digest = legacy_hash(prev, **event_content(e))
        sql(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, e.pk])
        prev = digest
    sql(f"UPDATE {CASES} SET last_event_hash = %s WHERE id = %s", [prev, chain.pk])
    assert [b.kind for b in audit.breaks()] == ["checkpoint"]


def test_old_plain_events_verify_but_not_after_keyed_ones(chain):
    first = event(chain, 1)
    digest = legacy_hash(first.prev_hash, **event_content(first))
    sql(f"UPDATE {EVENTS} SET key_id = %s, hash = %s WHERE id = %s", [LEGACY_KEY_ID, digest, first.pk])
    rehash_from(chain, 2)  # the rest plain too: a chain from before the key verifies as written
    sql(f"UPDATE {EVENTS} SET key_id = %s WHERE case_id = %s", [LEGACY_KEY_ID, chain.pk])
    assert audit.breaks() == []


def test_an_inserted_event(chain):
    last = event(chain, 3)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=chain,
                seq=4,
                kind="comment",
                created_at=last.created_at,
                prev_hash=last.hash,
                hash="f" * 64,
                key_id=last.key_id,
            )
        ]
    )
    assert kinds(audit.breaks()) == [("edited", 4), ("inserted", 4)]


def test_an_event_replayed_from_another_case(chain, tree, rubbish):
    other = report(tree, rubbish, grid=1)
    copied = event(chain, 2)
    head = event(other, 1)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=other,
                seq=2,
                kind=copied.kind,
                actor_id=copied.actor_id,
                from_status=copied.from_status,
                to_status=copied.to_status,
                payload=copied.payload,
                created_at=copied.created_at,
                prev_hash=head.hash,
                hash=copied.hash,
                key_id=copied.key_id,
            )
        ]
    )
    sql(f"UPDATE {CASES} SET last_event_seq = 2, last_event_hash = %s WHERE id = %s", [copied.hash, other.pk])
    found = audit.breaks()
    assert kinds(found) == [("replayed", 2)]
    assert found[0].case_number == other.number and chain.number in found[0].detail


def test_the_wrong_key(chain, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "AUDIT_KEYS": {"dev": "not-the-key"}, "AUDIT_KEY_ID": ""}
    assert kinds(audit.breaks()) == [("edited", 1), ("edited", 2), ("edited", 3)]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_an_unknown_key(chain, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "AUDIT_KEYS": {"k2": "the-new-key"}, "AUDIT_KEY_ID": ""}
    assert kinds(audit.breaks()) == [("unknown_key", 1), ("unknown_key", 2), ("unknown_key", 3)]


def test_a_rotated_key_verifies_old_events_under_theirs(chain, settings, tree, rubbish):
    old = {"dev": dev_key()}  # the key the chain was written with stays, for verifying
    settings.GRIDGOV = {**settings.GRIDGOV, "AUDIT_KEYS": {"k2": b"the-new-key", **old}, "AUDIT_KEY_ID": "k2"}
    other = report(tree, rubbish, grid=1)
    assert event(other, 1).key_id == "k2"
    assert audit.breaks() == []


def test_a_forged_checkpoint(chain):
    checkpoint = audit.checkpoint_write()
    sql(f"UPDATE {AuditCheckpoint._meta.db_table} SET digest = %s WHERE id = %s", ["0" * 64, checkpoint.pk])
    assert [b.kind for b in audit.breaks()] == ["checkpoint", "checkpoint"]  # signature and digest


def test_checkpoints_are_append_only(chain):
    checkpoint = audit.checkpoint_write()
    assert checkpoint.cases == 1
    with pytest.raises(PermissionError):
        checkpoint.save()
    with pytest.raises(PermissionError):
        checkpoint.delete()


def test_the_sweep_moves_the_heads_in_its_claim(tree, new_case):
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    result = sweep(now=timezone.now() + dt.timedelta(days=30))
    assert result.overdue == 1
    new_case.refresh_from_db()
    assert new_case.last_event_seq == new_case.events.count() >= 3
    assert audit.breaks() == []


def test_a_photo_naming_an_event_that_is_gone(chain):
    # No foreign key holds it in the database (the events are partitioned by month on PostgreSQL).
    photo = Attachment.objects.create(
        case=chain,
        event=event(chain, 1),
        kind="before",
        file="x.jpg",
        mime="image/jpeg",
        size=1,
        sha256="0" * 64,
    )
    sql(f"UPDATE {Attachment._meta.db_table} SET event_id = %s WHERE id = %s", [10**9, photo.pk])
    (found,) = audit.breaks()
    assert (found.kind, found.case_number, found.event_id) == ("unlinked", chain.number, 10**9)

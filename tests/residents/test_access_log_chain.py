"""The personal-information and patrol-track access logs are keyed hash chains with a sealed head: every
kind of tampering by someone with write access to the database (but not the key) shows in
``verify_access_logs``, which reports each break and exits non-zero."""

import datetime as dt
import io
import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from command import services as command_services
from command.models import TRACK_LOG_CHAIN, TrackAccessLog, TrackAccessLogHead
from gridgov import audit_chain, audit_hash
from residents.models import PII_LOG_CHAIN, PiiAccessLog, PiiAccessLogHead
from residents.tasks import verify_access_logs

pytestmark = pytest.mark.django_db
LOG, HEAD = "residents_piiaccesslog", "residents_piiaccessloghead"


def use_keys(settings, **keys):
    # The empty heads the migrations sealed (under the development key) stay verifiable: a rotation.
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "AUDIT_KEYS": {**keys, "dev": audit_hash.dev_key()},
        "AUDIT_KEY_ID": "",
    }


@pytest.fixture
def keys(settings):
    use_keys(settings, k1="first-secret-kept-outside")
    return settings


@pytest.fixture
def logged(keys, django_user_model):
    actor = django_user_model.objects.create_user("centre-staff")
    for n in range(5):
        PiiAccessLog.objects.create(
            actor=actor,
            action=PiiAccessLog.Action.EXPORT,
            area_code="430104001001",
            fields=["name", "id_number"],
            subject_count=8 + n,
            reason=f"季度核查 {n}",
            remote_addr="2001:db8:0:0:0:0:0:1" if n == 2 else "10.0.0.7",
        )
    return list(PiiAccessLog.objects.order_by("seq"))


def breaks():
    return audit_chain.verify(PiiAccessLog, head_model=PiiAccessLogHead, chain=PII_LOG_CHAIN)


def kinds():
    return [(b.kind, b.seq) for b in breaks()]


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run_command():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_access_logs", stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue(), str(exc)
    return True, out.getvalue(), ""


def test_an_untouched_chain_verifies(logged):
    assert [row.seq for row in logged] == [1, 2, 3, 4, 5]
    assert logged[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in itertools.pairwise(logged))
    assert {row.key_id for row in logged} == {"k1"}
    head = PiiAccessLogHead.objects.get(chain=PII_LOG_CHAIN)
    assert (head.seq, head.hash) == (5, logged[-1].hash)
    assert breaks() == []
    ok, out, _ = run_command()
    assert ok and "verify" in out


def test_the_orm_refuses_to_change_or_remove_rows(logged):
    with pytest.raises(PermissionError):
        PiiAccessLog.objects.filter(pk=logged[0].pk).update(reason="x")
    with pytest.raises(PermissionError):
        PiiAccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        logged[0].save()


def test_an_edited_field_is_found(logged):
    sql(f"UPDATE {LOG} SET reason = %s WHERE seq = 3", ["随便看看"])
    assert kinds() == [("altered", 3)]
    ok, err, summary = run_command()
    assert not ok and "#3" in err and "altered" in err and "1 break" in summary


def test_a_deleted_middle_row_is_found(logged):
    sql(f"DELETE FROM {LOG} WHERE seq = 2")
    assert kinds() == [("missing", 3)]
    assert "#2 are gone" in str(breaks()[0])


def test_a_deleted_last_row_is_found_against_the_head(logged):
    sql(f"DELETE FROM {LOG} WHERE seq = 5")
    assert kinds() == [("tail_missing", 5)]


def test_a_deleted_tail_with_a_rewritten_head_is_found(logged):
    sql(f"DELETE FROM {LOG} WHERE seq >= 4")
    sql(f"UPDATE {HEAD} SET seq = 3, hash = %s WHERE chain = %s", [logged[2].hash, PII_LOG_CHAIN])
    assert kinds() == [("head_seal", None)]


def test_a_chain_rebuilt_without_the_key_is_found(logged, keys):
    # The attacker edits row 2 and recomputes every later link and the head with a key of their own.
    sql(f"UPDATE {LOG} SET reason = %s WHERE seq = 2", ["随便看看"])
    use_keys(keys, k1="a-guess")
    prev = logged[0].hash
    for row in PiiAccessLog.objects.order_by("seq").filter(seq__gte=2):
        digest = audit_hash.link_hash("k1", PII_LOG_CHAIN, row.seq, prev, row.chain_content())
        sql(f"UPDATE {LOG} SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, row.seq])
        prev = digest
    mac = audit_hash.head_mac("k1", PII_LOG_CHAIN, 5, prev)
    sql(f"UPDATE {HEAD} SET hash = %s, mac = %s WHERE chain = %s", [prev, mac, PII_LOG_CHAIN])
    use_keys(keys, k1="first-secret-kept-outside")
    assert kinds() == [("altered", 2), ("altered", 3), ("altered", 4), ("altered", 5), ("head_seal", None)]


def test_an_inserted_row_is_found(logged):
    last = logged[-1]
    # Linked to the last row like a real one, but hashed without the key and not sealed into the head.
    sql(
        f"INSERT INTO {LOG} (actor_id, action, area_code, fields, subject_count, reason, created_at, "
        "seq, prev_hash, hash, key_id) VALUES (%s, 'export', '430104', '[]', 1, '补录', %s, 6, %s, %s, 'k1')",
        [last.actor_id, timezone.now(), last.hash, "0" * 64],
    )
    assert kinds() == [("altered", 6), ("after_head", 6)]


def test_a_row_moved_to_another_place_in_the_chain_is_found(logged):
    # Swap rows 2 and 4 (numbers and links included): each one's hash binds its seq and predecessor.
    sql(f"UPDATE {LOG} SET seq = 100 WHERE seq = 2")
    sql(f"UPDATE {LOG} SET seq = 2, prev_hash = %s WHERE seq = 4", [logged[0].hash])
    sql(f"UPDATE {LOG} SET seq = 4, prev_hash = %s WHERE seq = 100", [logged[2].hash])
    found = kinds()
    assert ("altered", 2) in found and ("altered", 4) in found


def test_verifying_with_the_wrong_key_fails_everywhere(logged, keys):
    use_keys(keys, k1="not-the-key")
    assert kinds() == [("altered", n) for n in range(1, 6)] + [("head_seal", None)]


def test_a_rotated_key_keeps_old_rows_verifying_and_an_unknown_key_is_named(logged, keys, django_user_model):
    use_keys(keys, k2="second-secret", k1="first-secret-kept-outside")
    PiiAccessLog.objects.create(
        actor=logged[0].actor, action="reveal", area_code="430104", reason="核对身份信息"
    )
    assert PiiAccessLog.objects.get(seq=6).key_id == "k2"
    assert breaks() == []
    use_keys(keys, k2="second-secret")
    assert kinds() == [("unknown_key", n) for n in range(1, 6)]


def test_the_development_key_comes_from_the_secret_key(settings, django_user_model):
    settings.GRIDGOV = {**settings.GRIDGOV, "AUDIT_KEYS": ""}
    assert list(audit_hash.audit_keys()) == [audit_hash.DEV_KEY_ID]
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="AUDIT_KEYS"):
        audit_hash.audit_keys()


def test_keys_can_come_from_one_environment_string(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "AUDIT_KEYS": "2026a:s3cret,2025b:older", "AUDIT_KEY_ID": ""}
    assert audit_hash.audit_keys() == {"2026a": b"s3cret", "2025b": b"older"}
    assert audit_hash.current_key_id() == "2026a"


# --- the patrol-track access log ----------------------------------------------------------------------------


def test_track_access_records_are_chained_and_checked_too(keys, tree):
    users = tree.users
    start = timezone.now() - dt.timedelta(hours=2)
    # One look at three workers' tracks writes three rows in one go (bulk insert, one turn at the head).
    assert (
        command_services.track_access_record(
            viewer=users["community"],
            subject_ids=[users["worker"].pk, users["worker2"].pk, users["leader"].pk],
            start=start,
            end=timezone.now(),
            via=TrackAccessLog.Via.MAP,
        )
        == 3
    )
    command_services.track_access_record(
        viewer=users["centre"], subject_ids=[users["worker"].pk], start=start, end=timezone.now(), via="api"
    )
    assert list(TrackAccessLog.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    track_breaks = lambda: audit_chain.verify(  # noqa: E731
        TrackAccessLog, head_model=TrackAccessLogHead, chain=TRACK_LOG_CHAIN
    )
    assert track_breaks() == []
    with pytest.raises(PermissionError):
        TrackAccessLog.objects.all().delete()
    sql("DELETE FROM command_trackaccesslog WHERE seq = 4")
    assert [(b.kind, b.seq) for b in track_breaks()] == [("tail_missing", 4)]
    ok, err, _ = run_command()
    assert not ok and "track_access" in err


def test_the_nightly_task_logs_each_break_and_a_checkpoint_of_the_heads(logged, caplog):
    with caplog.at_level("INFO"):
        assert verify_access_logs() == 0
    assert f"pii_access #5 {logged[-1].hash}" in caplog.text
    sql(f"DELETE FROM {LOG} WHERE seq = 5")
    with caplog.at_level("ERROR"):
        assert verify_access_logs() == 1
    assert "tail_missing" in caplog.text


def test_an_empty_database_without_heads_starts_its_chains_on_the_first_append(keys, django_user_model):
    sql(f"DELETE FROM {HEAD}")  # as after a flush, or a database built without the migrations' data
    actor = django_user_model.objects.create_user("first")
    PiiAccessLog.objects.create(actor=actor, action="reveal", area_code="430104", reason="首次核查")
    head = PiiAccessLogHead.objects.get(chain=PII_LOG_CHAIN)
    assert head.seq == 1 and breaks() == []

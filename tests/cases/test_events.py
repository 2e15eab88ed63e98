import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases import services
from cases.events import verify_chain
from cases.models import CaseEvent

pytestmark = pytest.mark.django_db


def test_every_change_is_chained(tree, new_case):
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    events = list(new_case.events.order_by("seq"))
    assert [e.seq for e in events] == [1, 2]
    assert events[1].prev_hash == events[0].hash
    assert verify_chain(events) is None


def test_events_refuse_updates_and_deletes(new_case):
    event = new_case.events.get()
    event.comment = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_it_names_the_first_tampered_event(tree, new_case, capsys):
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    services.case_void(case_id=new_case.pk, actor=tree.users["centre"], reason="误报")
    call_command("verify_audit")
    second = new_case.events.get(seq=2)
    with connection.cursor() as cursor:  # what an attacker with database access would do
        cursor.execute(
            f"UPDATE {CaseEvent._meta.db_table} SET comment = %s WHERE id = %s", ["edited", second.pk]
        )
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "event #2" in capsys.readouterr().err
    assert verify_chain(list(new_case.events.order_by("seq"))).seq == 2


def test_a_deleted_event_breaks_the_chain(tree, new_case):
    services.case_file(case_id=new_case.pk, actor=tree.users["community"])
    services.case_void(case_id=new_case.pk, actor=tree.users["centre"], reason="误报")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {CaseEvent._meta.db_table} WHERE case_id = %s AND seq = 2", [new_case.pk]
        )
    assert verify_chain(list(new_case.events.order_by("seq"))).seq == 3

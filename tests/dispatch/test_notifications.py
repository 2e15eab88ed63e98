"""Who hears what, the inbox API, outside channels with retries, and a broker that is down."""

import io
import time
from unittest import mock

import pytest
import time_machine
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Case
from cases.signals import case_changed
from dispatch import notifications
from dispatch.models import DeliveryStatus, Notification, NotificationDelivery
from dispatch.notifications.backends import Backend, ConsoleSmsBackend
from dispatch.sweep import sweep

from .conftest import at, report

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 2, 9)


@pytest.fixture
def case(tree, rubbish):
    with time_machine.travel(NOW, tick=False):
        return report(tree, rubbish)


def _file_and_dispatch(case, tree, capture, **unit):
    unit = unit or {"department": tree.departments[0]}
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
        case_services.case_dispatch(case_id=case.pk, actor=tree.users["community"], **unit)


def _to(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_dispatch_tells_the_departments_handlers(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    assert _to("dispatch") == {"handler"}
    notice = Notification.objects.get(kind="dispatch")
    assert notice.case_id == case.pk and case.number in notice.title


def test_a_dispatch_to_the_grid_team_tells_the_team(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks, team=tree.grids[0])
    assert _to("dispatch") == {"worker", "leader"}


def test_a_manual_escalation_tells_the_next_level_and_the_handler(
    case, tree, django_capture_on_commit_callbacks
):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_escalate(case_id=case.pk, actor=tree.users["leader"], reason="需要社区协调")
    assert _to("escalate") == {"community", "handler"}  # the grid case is now a community case


def test_closing_tells_the_reporter(tree, catalogue, django_capture_on_commit_callbacks):
    from cases.models import Category

    dispute = Category.objects.get(code="06001")  # no on-site verification
    with django_capture_on_commit_callbacks(execute=True):
        case = report(tree, dispute, extra={"parties": 2})
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
        case_services.case_dispatch(case_id=case.pk, actor=tree.users["community"], team=tree.grids[0])
        case_services.case_accept(case_id=case.pk, actor=tree.users["leader"])
        case_services.case_feedback(case_id=case.pk, actor=tree.users["leader"], result="已调解")
        case_services.case_close(case_id=case.pk, actor=tree.users["community"])
    assert _to("close") == {"worker"}


def test_the_actor_is_not_notified_of_their_own_action(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks, team=tree.grids[0])
    assert "community" not in _to("dispatch")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_escalate(case_id=case.pk, actor=tree.users["community"], reason="x")
    assert "community" not in _to("escalate")


def test_hearing_a_change_twice_notifies_once(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    case_changed.send(sender=Case, case_id=case.pk, kind="dispatch")
    assert Notification.objects.filter(kind="dispatch").count() == 1


def test_a_listener_failure_never_reaches_the_caller(case, tree, django_capture_on_commit_callbacks):
    with mock.patch("dispatch.receivers.notify_case_change", side_effect=RuntimeError("boom")):
        _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    assert Case.objects.get(pk=case.pk).status == "dispatched"


# --- Inbox API -----------------------------------------------------------------------------------


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_inbox_lists_my_notices_with_the_unread_count(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    body = _client(tree.users["handler"]).get("/api/v1/notifications/").json()
    assert body["unread"] == 1 and body["count"] == 1
    assert body["results"][0]["case_url"] == f"/api/v1/cases/{case.pk}/"
    assert _client(tree.users["street"]).get("/api/v1/notifications/").json()["count"] == 0


def test_marking_read_lowers_the_unread_count(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    client = _client(tree.users["handler"])
    notice = Notification.objects.get(recipient=tree.users["handler"])
    assert client.post(f"/api/v1/notifications/{notice.pk}/read/").json() == {"unread": 0}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert client.get("/api/v1/notifications/", {"unread": 1}).json()["count"] == 0


def test_nobody_reads_or_marks_anothers_notice(case, tree, django_capture_on_commit_callbacks):
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    notice = Notification.objects.get(recipient=tree.users["handler"])
    other = _client(tree.users["centre"])
    assert other.get(f"/api/v1/notifications/{notice.pk}/").status_code == 404
    assert other.post(f"/api/v1/notifications/{notice.pk}/read/").status_code == 404
    assert (
        other.post("/api/v1/notifications/read-all/", {"ids": [notice.pk]}, format="json").json()["marked"]
        == 0
    )
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_refuses_bad_input(tree):
    response = _client(tree.users["handler"]).post(
        "/api/v1/notifications/read-all/", {"ids": ["x"]}, format="json"
    )
    assert response.status_code == 400 and "ids" in response.json()["fields"]


def test_the_inbox_query_count_does_not_grow(tree, django_assert_max_num_queries):
    for i in range(30):
        Notification.objects.create(
            recipient=tree.users["handler"], kind="x", title=f"n{i}", key=f"k{i}", created_at=NOW
        )
    with django_assert_max_num_queries(6):
        assert _client(tree.users["handler"]).get("/api/v1/notifications/").json()["unread"] == 30


# --- Outside channels ----------------------------------------------------------------------------


def test_email_goes_to_recipients_with_an_address(case, tree, outbox, django_capture_on_commit_callbacks):
    tree.users["handler"].email = "handler@example.org"
    tree.users["handler"].save()
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    assert [m.to for m in outbox] == [["handler@example.org"]]
    assert NotificationDelivery.objects.get().status == DeliveryStatus.SENT


def test_sms_is_for_high_priority_only(case, tree, settings, django_capture_on_commit_callbacks):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "NOTIFY_BACKENDS": ["dispatch.notifications.backends.ConsoleSmsBackend"],
    }
    tree.users["community"].phone = "13800000000"
    tree.users["community"].save()
    stream = io.StringIO()
    with mock.patch.object(ConsoleSmsBackend, "stream", stream):
        sweep(now=at(2026, 3, 2, 9, 31))  # normal priority: inbox only
        assert stream.getvalue() == ""
        with (
            time_machine.travel(at(2026, 3, 2, 9, 32), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            case_services.case_supervise(case_id=case.pk, actor=tree.users["centre"])
    assert "[SMS to 13800000000]" in stream.getvalue()


class Flaky(Backend):
    channel = "flaky"
    failures = 0
    sent = []

    def accepts(self, user, notification):
        return True

    def send(self, user, notification):
        if Flaky.failures > 0:
            Flaky.failures -= 1
            raise ConnectionError("gateway timeout")
        Flaky.sent.append(user.username)


@pytest.fixture
def flaky(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "NOTIFY_BACKENDS": [f"{__name__}.Flaky"]}
    Flaky.sent, Flaky.failures = [], 0
    return Flaky


def test_a_failed_delivery_is_retried_until_it_is_sent(case, tree, flaky, django_capture_on_commit_callbacks):
    flaky.failures = 2
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert flaky.sent == ["handler"]


def test_a_delivery_that_keeps_failing_ends_as_failed(case, tree, flaky, django_capture_on_commit_callbacks):
    flaky.failures = 100
    _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == notifications.MAX_ATTEMPTS
    assert "gateway timeout" in delivery.last_error


def test_a_delivery_is_sent_once_even_when_queued_twice(
    case, tree, flaky, django_capture_on_commit_callbacks
):
    with mock.patch("dispatch.notifications.publish"):
        _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
    delivery = NotificationDelivery.objects.get()
    assert notifications.deliver(delivery.pk) == DeliveryStatus.SENT
    assert notifications.deliver(delivery.pk) == DeliveryStatus.SENT
    assert flaky.sent == ["handler"]


# --- Broker down ---------------------------------------------------------------------------------


def test_with_the_broker_down_the_case_action_succeeds_and_the_sweep_requeues(
    case, tree, flaky, django_capture_on_commit_callbacks, caplog
):
    down = OperationalError("Error 111 connecting to redis:6379. Connection refused.")
    with mock.patch("dispatch.tasks.deliver_notifications.apply_async", side_effect=down):
        _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
        assert Case.objects.get(pk=case.pk).status == "dispatched"
        assert Notification.objects.filter(kind="dispatch").count() == 1  # the inbox does not need the broker
        assert "could not publish" in caplog.text
        # The sweep still runs (and finds the overdue handling stage) while the broker is down.
        with django_capture_on_commit_callbacks(execute=True):
            result = sweep(now=at(2026, 3, 2, 15, 1))  # handling: 4 working hours from 09:00
        assert result.overdue == 1
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING).count() >= 1
    # Broker back: the next sweep hands the waiting deliveries over.
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(now=at(2026, 3, 2, 15, 15))
    assert result.deliveries_requeued >= 1
    assert not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    assert "handler" in flaky.sent


def test_with_no_broker_listening_at_all_the_case_action_still_succeeds(
    case, tree, settings, caplog, django_capture_on_commit_callbacks
):
    """A real publish to a port where nothing listens (not a mock): logged, never raised."""
    from .conftest import publishing_to

    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "NOTIFY_BACKENDS": ["dispatch.notifications.backends.EmailBackend"],
    }
    tree.users["handler"].email = "handler@example.org"
    tree.users["handler"].save()
    quick = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
    with publishing_to("redis://127.0.0.1:1/0", broker_transport_options=quick):
        _file_and_dispatch(case, tree, django_capture_on_commit_callbacks)
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):  # the next action does not wait for the broker
            case_services.case_escalate(case_id=case.pk, actor=tree.users["leader"], reason="x")
        assert time.monotonic() - started < 1
    assert Case.objects.get(pk=case.pk).status == "dispatched"
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert "could not publish" in caplog.text and "broker marked down" in caplog.text

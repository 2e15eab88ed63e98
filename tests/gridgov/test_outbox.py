"""The outbox's mechanics on a real delivery table: back-off, the compare-and-set claim, the broker pause,
the re-queue. The broker is a stand-in that keeps the messages (or refuses them, as a Redis that is down
does); ``run`` plays the worker."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from dispatch.models import Notification, NotificationDelivery
from gridgov import outbox

pytestmark = pytest.mark.django_db


class Broker:
    """A Celery task and its queue: ``apply_async`` keeps the message, or raises while ``down``."""

    name = "tests.gridgov.test_outbox.deliver"

    def __init__(self):
        self.queue, self.tries, self.down, self.sent = [], 0, False, []

    def apply_async(self, args, **options):
        self.tries += 1
        if self.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.queue.append(args)

    def run(self):
        """A worker takes every queued message (duplicates included) and attempts its row."""
        while self.queue:
            (pk,) = self.queue.pop(0)
            OUTBOX.attempt(pk, deliver)


task = Broker()
OUTBOX = outbox.Outbox(model=NotificationDelivery, task=f"{__name__}.task", max_attempts=3)


def deliver(pk):
    claim = OUTBOX.claim(pk, at=timezone.now())
    if claim.attempt is not None:
        task.sent.append(pk)
        OUTBOX.sent(pk)


@pytest.fixture(autouse=True)
def broker():
    task.__init__()
    return task


T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def rows():
    user = get_user_model().objects.create(username="handler")
    notices = [
        Notification.objects.create(
            recipient=user, kind="dispatch", title=f"n{i}", key=f"k{i}", created_at=T0
        )
        for i in range(2)
    ]
    return [
        NotificationDelivery.objects.create(notification=n, channel="email", next_attempt_at=T0).pk
        for n in notices
    ]


def _row(pk):
    return NotificationDelivery.objects.get(pk=pk)


def test_the_back_off_doubles_from_30_seconds_and_stops_at_an_hour():
    assert [outbox.backoff(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert outbox.backoff(40) == 3600


def test_a_claim_sets_the_next_attempt_after_the_back_off_and_the_last_failure_fails_the_row(rows):
    pk = rows[0]
    for attempt, status in ((1, "pending"), (2, "pending"), (3, "failed")):
        assert OUTBOX.claim(pk, at=T0) == outbox.Claim(attempt, "pending")
        assert _row(pk).next_attempt_at == T0 + timedelta(seconds=outbox.backoff(attempt))
        assert OUTBOX.attempt_failed(pk, attempt=attempt, error="HTTP 503") == status
    assert OUTBOX.claim(pk, at=T0) == outbox.Claim(None, "failed")
    assert (_row(pk).attempts, _row(pk).last_error) == (3, "HTTP 503")


def test_of_two_workers_claiming_the_same_attempt_one_wins(rows, monkeypatch):
    """The second worker reads the row and claims it while the first is between its read and its write."""
    pk, other, racing = rows[0], [], []
    schedule = outbox.backoff

    def between_read_and_write(attempt):
        if not racing:
            racing.append(True)
            other.append(OUTBOX.claim(pk, at=T0))
        return schedule(attempt)

    monkeypatch.setattr(outbox, "backoff", between_read_and_write)
    first = OUTBOX.claim(pk, at=T0)
    assert other == [outbox.Claim(1, "pending")]
    assert first == outbox.Claim(None, "claimed elsewhere")
    assert _row(pk).attempts == 1


def test_a_row_is_delivered_once_whatever_the_broker_repeats(rows, broker):
    OUTBOX.publish(rows)
    OUTBOX.publish(rows)  # a duplicated message, a re-queue racing the first
    broker.run()
    assert sorted(broker.sent) == sorted(rows)
    assert {(_row(pk).status, _row(pk).attempts) for pk in rows} == {("sent", 1)}


def test_a_failed_attempt_is_retried_after_the_back_off_until_it_is_sent(rows, broker):
    failures = [outbox.RetryLater("gateway timeout")] * 2

    def flaky(pk):
        claim = OUTBOX.claim(pk, at=T0)
        if failures:
            OUTBOX.attempt_failed(pk, attempt=claim.attempt, error="gateway timeout")
            raise failures.pop()
        OUTBOX.sent(pk)

    OUTBOX.attempt(rows[0], flaky)
    assert broker.queue == [(rows[0],)]  # the retry, sent with the back-off as its countdown
    OUTBOX.attempt(rows[0], flaky)
    OUTBOX.attempt(rows[0], flaky)
    assert (_row(rows[0]).status, _row(rows[0]).attempts) == ("sent", 3)


def test_nothing_is_published_for_a_change_that_rolled_back(rows, broker, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        OUTBOX.publish_on_commit(rows)
        raise RuntimeError("the case action failed")
    assert broker.tries == 0
    with django_capture_on_commit_callbacks(execute=True):
        OUTBOX.publish_on_commit(rows)
    assert broker.queue == [(pk,) for pk in rows]


def test_with_the_broker_down_a_request_tries_once_and_later_ones_do_not_wait(rows, broker, caplog):
    broker.down = True
    assert OUTBOX.publish(rows) is False
    assert broker.tries == 1  # the first refusal pauses the broker: the second row is not tried
    assert outbox.broker.paused() and "could not publish" in caplog.text
    for _request in range(5):
        assert OUTBOX.publish(rows) is False
    assert broker.tries == 1  # no connection attempt, so no connection timeout, while paused
    assert "broker marked down" in caplog.text
    assert {_row(pk).status for pk in rows} == {"pending"}


def test_the_pause_covers_every_kind_of_message(rows, broker):
    other_kind = outbox.Outbox(
        model=NotificationDelivery, task=f"{__name__}.task", max_attempts=3, batch=True
    )
    broker.down = True
    OUTBOX.publish(rows[:1])
    broker.down = False
    assert other_kind.publish(rows) is False and outbox.publish(task, (1,)) is False
    assert broker.tries == 1 and broker.queue == []


def test_rows_left_by_a_broker_outage_are_requeued_and_delivered_once_when_it_is_back(
    rows, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    OUTBOX.publish(rows)
    requeue = OUTBOX.requeue
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue(T0 + timedelta(minutes=1)) == 0  # not yet: the message may still be on its way
        assert requeue(T0 + timedelta(minutes=3)) == 2  # a probe, tried although the broker is paused
    assert broker.tries == 2 and outbox.broker.paused()
    assert {(_row(pk).status, _row(pk).next_attempt_at) for pk in rows} == {
        ("pending", T0 + timedelta(minutes=3))
    }
    broker.down = False
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue(T0 + timedelta(minutes=4)) == 0  # the last re-queue's lease still holds
        assert requeue(T0 + timedelta(minutes=6)) == 2
        assert requeue(T0 + timedelta(minutes=6)) == 0
    assert not outbox.broker.paused()  # the probe got through: requests publish again
    broker.run()
    assert sorted(broker.sent) == sorted(rows)
    assert {_row(pk).status for pk in rows} == {"sent"}
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue(T0 + timedelta(hours=2)) == 0

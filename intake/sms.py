"""Text messages to citizens' numbers (no account): one ``SmsMessage`` row each, sent through the outbox.

The row is written in the caller's transaction and published on commit (``gridgov.outbox``): each attempt is
claimed by compare-and-set, a throttled or timed-out attempt is retried after the outbox's back-off (30 s,
1 min, 2 min, …) up to ``MAX_ATTEMPTS``, a refusal for good (template or signature not approved) fails the row
at once, and the sweep re-queues rows whose message was lost. Every attempt is logged and counted on the row
(``attempts``, ``last_error``, ``gateway``, ``provider_id``, ``sent_at``). The gateway is the one chosen by
``GRIDGOV["SMS"]["GATEWAY"]`` (``dispatch.notifications.sms``), which logs every send.
"""

import logging

from django.utils import timezone

from dispatch.notifications import sms as gateways
from gridgov import outbox

from .models import SmsMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # a verification code is worthless after its 5 minutes: 30 s, 1 min, 2 min of back-off
OUTBOX = outbox.Outbox(model=SmsMessage, task="intake.tasks.deliver_sms", max_attempts=MAX_ATTEMPTS)


def sms_send(*, phone: str, purpose: str, params: dict, at=None) -> SmsMessage:
    """Queue one templated message; it leaves when the caller's transaction commits."""
    message = SmsMessage.objects.create(
        phone=phone, purpose=purpose, params=params, next_attempt_at=at or timezone.now()
    )
    OUTBOX.publish_on_commit([message.pk])
    return message


def deliver(pk, *, at=None) -> str:
    """One attempt at one message. Raises ``SmsRetry`` when another attempt is due (the task schedules it)."""
    claim = OUTBOX.claim(pk, at=at or timezone.now())
    if claim.attempt is None:
        return claim.status
    message = SmsMessage.objects.get(pk=pk)
    gateway = gateways.gateway()
    try:
        provider_id = gateway.send(message.phone, message.purpose, message.params)
    except gateways.SmsRejected as exc:
        log.warning("sms %s via %s refused (attempt %d): %s", pk, gateway.name, claim.attempt, exc)
        return OUTBOX.attempt_failed(
            pk, attempt=claim.attempt, error=str(exc), final=True, gateway=gateway.name, params={}
        )
    except Exception as exc:
        log.warning("sms %s via %s failed (attempt %d): %r", pk, gateway.name, claim.attempt, exc)
        status = OUTBOX.attempt_failed(pk, attempt=claim.attempt, error=repr(exc), gateway=gateway.name)
        if status == outbox.FAILED:
            SmsMessage.objects.filter(pk=pk).update(params={})
            return status
        raise gateways.SmsRetry(str(exc)) from exc
    log.info("sms %s via %s sent (attempt %d): %s", pk, gateway.name, claim.attempt, provider_id)
    return OUTBOX.sent(pk, gateway=gateway.name, provider_id=provider_id[:64], params={})


def sms_requeue(now) -> int:
    """The sweep's step: publish again the pending messages whose attempt time has long passed."""
    return OUTBOX.requeue(now)

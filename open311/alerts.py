"""Alerts for citizens (issue 24 §1): hear of one published report's progress, or of new published reports in
an area, by SMS or e-mail, without an account.

- ``subscribe``: an SMS subscription needs a phone verified by SMS code (``intake.phones``) and counts at
  once; an e-mail one counts once its address is checked by the link sent to it. Rate-limited per contact
  and per address per day (``ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY``, ``…_PER_IP_PER_DAY``).
- ``report_changed`` (a ``case_changed`` listener): a public step on a report's timeline (the ones the
  public page shows, citizens' own updates excepted) sends one message to each of its subscribers, at once.
- ``digests_send`` (the sweep, once a day): each area subscriber gets one message counting the new published
  reports in the area since their last digest, none when there are none.
- Every message carries a one-click unsubscribe link (a signed token of the subscription, no login, no
  expiry); sends are capped per contact per day (``ALERT_SENDS_PER_CONTACT_PER_DAY``): an alert over the cap
  is logged as failed with the reason and not sent.
- Messages leave through the outbox (``gridgov.outbox``): an ``AlertMessage`` row per message, written with
  the change; an e-mail is sent by the task, an SMS is handed to the citizens' SMS outbox (``intake.sms``).
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.workflow import FINAL
from gridgov import outbox
from grids.models import Area, Level
from intake import abuse
from intake.citizens import public_url
from intake.sms import sms_send

from .conf import setting
from .models import AlertMessage, AlertSubscription
from .selectors import MOBILE_IN_TEXT, UPDATE_NOTES, published_cases, status_notes

log = logging.getLogger(__name__)

Channel = AlertSubscription.Channel
MAX_ATTEMPTS = 5
OUTBOX = outbox.Outbox(model=AlertMessage, task="open311.tasks.deliver_alert", max_attempts=MAX_ATTEMPTS)
UNSUBSCRIBE_SALT = "open311.alerts.unsubscribe"
CONFIRM_SALT = "open311.alerts.confirm"
CONFIRM_DAYS = 7
DAY = 24 * 3600
AREA_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)
# Public steps that tell a subscriber something new; a citizen's own update does not (it would echo). Nor
# does a report: it is its case's first step, sent as the case is made, before anyone could subscribe to it
# (so every new case, the bulk of all writes, costs no query here).
CHANGE_KINDS = frozenset(UPDATE_NOTES) - {"citizen_update", "report"}
DIGEST_LIMIT = 5000  # new reports read per area and digest: more is "5000+" in a flood


class AlertError(Exception):
    """Bad input: ``field`` and a message for the citizen (400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class TooMany(AlertError):
    """A flood from one contact or address (429), with the field it concerns."""


# --- Tokens --------------------------------------------------------------------------------------------


def unsubscribe_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def confirm_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=CONFIRM_SALT, compress=True)


def _subscription_for(token, salt, max_age=None) -> AlertSubscription | None:
    try:
        pk = signing.loads(token or "", salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return AlertSubscription.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def _stop_link(subscription) -> str:
    return public_url(reverse("public-reports:unsubscribe", args=[unsubscribe_token(subscription)]))


# --- Subscribing ---------------------------------------------------------------------------------------


def subscribable_areas():
    return Area.objects.filter(level__in=AREA_LEVELS, is_active=True)


def subscribe(*, ip, verified_phone="", email="", area_code="", public_id="", now=None):
    """A subscription by a verified phone (SMS) or an e-mail address, to an area or to one open report.

    Raises ``AlertError`` (400) or ``TooMany`` (429). Subscribing twice to the same thing returns
    the first."""
    now = now or timezone.now()
    channel, contact = _contact(verified_phone, email)
    area, case = _target(area_code, public_id)
    if not abuse.window_take("alert-sub-ip", ip, setting("ALERT_SUBSCRIPTIONS_PER_IP_PER_DAY"), seconds=DAY):
        raise TooMany(
            "email" if channel == Channel.EMAIL else "phone", _("Too many subscriptions from here today.")
        )
    if not abuse.window_take(
        "alert-sub-contact", contact, setting("ALERT_SUBSCRIPTIONS_PER_CONTACT_PER_DAY"), seconds=DAY
    ):
        raise TooMany(
            "email" if channel == Channel.EMAIL else "phone",
            _("This contact has subscribed too often today. Please try again tomorrow."),
        )
    with transaction.atomic():
        same = AlertSubscription.objects.filter(
            channel=channel, contact=contact, area=area, case=case, ended_at__isnull=True
        ).first()
        if same is not None:
            return same
        subscription = AlertSubscription.objects.create(
            channel=channel,
            contact=contact,
            area=area,
            case=case,
            digest_from=now,
            verified_at=now if channel == Channel.SMS else None,
        )
        if channel == Channel.EMAIL:
            _confirm_message(subscription, now)
        return subscription


def _contact(verified_phone, email):
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise AlertError("email", _("Enter a valid e-mail address.")) from None
        return Channel.EMAIL, email
    if verified_phone:
        return Channel.SMS, verified_phone
    raise AlertError("phone", _("Verify your phone by SMS code, or give an e-mail address."))


def _target(area_code, public_id):
    if public_id:
        case = published_cases().filter(public_id=str(public_id)[:32]).only("status").first()
        if case is None:
            raise AlertError("report", _("No published report has this number."))
        if case.status in FINAL:
            raise AlertError("report", _("This report is closed: there is nothing more to follow."))
        return None, case
    area = subscribable_areas().filter(code=str(area_code or "")[:24]).first()
    if area is None:
        raise AlertError("area", _("Choose a street, community or grid."))
    return area, None


def _confirm_message(subscription, now):
    link = public_url(reverse("public-reports:confirm", args=[confirm_token(subscription)]))
    body = (
        _("Please confirm that you want alerts from the public reports by opening this link:\n%(link)s")
        % {"link": link}
        + "\n\n"
        + _("If you did not ask for them, ignore this message: nothing will be sent.")
    )
    _queue(
        [
            _message(
                subscription, AlertMessage.Kind.CONFIRM, _("Confirm your alert"), body, {}, now, capped=False
            )
        ]
    )


def confirm(token, now=None) -> AlertSubscription | None:
    """The e-mail link's click: the subscription counts from now. None for a forged or expired link."""
    subscription = _subscription_for(token, CONFIRM_SALT, max_age=CONFIRM_DAYS * DAY)
    if subscription is not None and subscription.verified_at is None and subscription.ended_at is None:
        subscription.verified_at = subscription.digest_from = now or timezone.now()
        subscription.save(update_fields=["verified_at", "digest_from"])
    return subscription


def unsubscribe(token, now=None) -> AlertSubscription | None:
    """One click, no login: the subscription ends (again is harmless). None for a forged link."""
    subscription = _subscription_for(token, UNSUBSCRIBE_SALT)
    if subscription is not None and subscription.ended_at is None:
        subscription.ended_at = now or timezone.now()
        subscription.save(update_fields=["ended_at"])
    return subscription


def live():
    return AlertSubscription.objects.filter(verified_at__isnull=False, ended_at__isnull=True)


# --- Sending -------------------------------------------------------------------------------------------


def _message(subscription, kind, subject, body, params, now, capped=True) -> AlertMessage:
    """One message row (unsaved); over the contact's daily cap it is written as failed with the reason (the
    log keeps it) and never sent."""
    over = capped and not abuse.window_take(
        "alert-send", subscription.contact, setting("ALERT_SENDS_PER_CONTACT_PER_DAY"), seconds=DAY
    )
    if over:
        log.info("alert to subscription %s not sent: daily limit", subscription.pk)
    return AlertMessage(
        subscription=subscription,
        kind=kind,
        subject=subject[:200],
        body=body,
        params=params,
        next_attempt_at=now,
        status=outbox.FAILED if over else outbox.PENDING,
        last_error="over the daily limit of alerts for this contact" if over else "",
    )


def _queue(messages) -> int:
    """Write the rows in one insert; the pending ones are published when the caller's transaction commits."""
    made = AlertMessage.objects.bulk_create(messages)
    OUTBOX.publish_on_commit([m.pk for m in made if m.status == outbox.PENDING])
    return len(made)


def report_changed(case_id, kind, now=None) -> int:
    """A public step on a report: one message to each of its live subscribers. Returns how many."""
    if kind not in CHANGE_KINDS:
        return 0
    subscriptions = list(live().filter(case_id=case_id))
    if not subscriptions:
        return 0
    fields = ("public_id", "status", "close_type", "result", "duplicate_of__public_id")
    case = published_cases().filter(pk=case_id).values(*fields).first()
    if case is None:
        return 0
    now = now or timezone.now()
    words = mask_phones(status_notes(case))
    link = public_url(reverse("public-reports:detail", args=[case["public_id"]]))
    subject = _("Report %(number)s: %(status)s") % {"number": case["public_id"], "status": words[:80]}
    messages = []
    for subscription in subscriptions:
        stop = _stop_link(subscription)
        params = {"number": case["public_id"], "status": words[:60], "link": link, "stop": stop}
        body = f"{subject}\n{link}\n\n" + _("Stop these alerts: %(link)s") % {"link": stop}
        messages.append(_message(subscription, AlertMessage.Kind.CHANGE, subject, body, params, now))
    with transaction.atomic():
        _queue(messages)
        if case["status"] in FINAL:  # nothing more will happen: the report's subscriptions end with it
            live().filter(case_id=case_id).update(ended_at=now)
    return len(subscriptions)


def digests_send(now=None) -> int:
    """The daily digest: per live area subscription, the new published reports in its area since its last
    digest. One query per subscribed area (not per subscriber); returns the messages queued."""
    now = now or timezone.now()
    queued = 0
    areas = (
        live().filter(area__isnull=False).values("area_id").annotate(since=Min("digest_from"), n=Count("id"))
    )
    for row in areas:
        queued += _area_digest(row["area_id"], row["since"], now)
    return queued


def _area_digest(area_id, since, now) -> int:
    area = Area.objects.only("code", "name").get(pk=area_id)
    reported = list(
        published_cases()
        .filter(area_code__startswith=area.code, reported_at__gt=since, reported_at__lte=now)
        .order_by("-reported_at")
        .values_list("reported_at", flat=True)[:DIGEST_LIMIT]
    )
    link = public_url(reverse("public-reports:list") + f"?area={area.code}")
    with transaction.atomic():
        subscriptions = list(
            live().filter(area_id=area_id, digest_from__lt=now).select_for_update(skip_locked=True)
        )
        messages = []
        for subscription in subscriptions:
            count = sum(1 for at in reported if at > subscription.digest_from)
            if count:
                stop = _stop_link(subscription)
                subject = _("%(count)d new reports in %(area)s") % {"count": count, "area": area.name}
                body = f"{subject}\n{link}\n\n" + _("Stop these alerts: %(link)s") % {"link": stop}
                params = {"area": area.name, "count": str(count), "link": link, "stop": stop}
                messages.append(_message(subscription, AlertMessage.Kind.DIGEST, subject, body, params, now))
        AlertSubscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(digest_from=now)
        return _queue(messages)


def deliver(pk, *, at=None) -> str:
    """One attempt at one alert: an e-mail through Django's mail, an SMS handed to the SMS outbox."""
    claim = OUTBOX.claim(pk, at=at or timezone.now())
    if claim.attempt is None:
        return claim.status
    message = AlertMessage.objects.select_related("subscription").get(pk=pk)
    subscription = message.subscription
    if subscription.ended_at is not None and message.kind != AlertMessage.Kind.CONFIRM:
        return OUTBOX.attempt_failed(
            pk, attempt=claim.attempt, error="unsubscribed before sending", final=True
        )
    try:
        if subscription.channel == Channel.SMS:
            with transaction.atomic():
                sms_send(phone=subscription.contact, purpose=f"alert_{message.kind}", params=message.params)
        else:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [subscription.contact])
    except Exception as exc:
        log.warning("alert %s failed (attempt %d): %r", pk, claim.attempt, exc)
        if OUTBOX.attempt_failed(pk, attempt=claim.attempt, error=repr(exc)) == outbox.FAILED:
            return outbox.FAILED
        raise outbox.RetryLater(str(exc)) from exc
    log.info("alert %s (%s) sent by %s", pk, message.kind, subscription.channel)
    return OUTBOX.sent(pk, body="", params={})


def alerts_requeue(now) -> int:
    return OUTBOX.requeue(now)


# --- What staff see -------------------------------------------------------------------------------------


def counts_by_area() -> list[dict]:
    """Live subscriptions per area (a report's subscriptions counted in the report's grid), for the
    centre's page: area code, name, subscribers by SMS and by e-mail. Two grouped queries."""
    rows: dict = {}
    for area_id, channel, n in (
        live().filter(area__isnull=False).values_list("area_id", "channel").annotate(n=Count("id"))
    ):
        rows.setdefault(area_id, {"area": 0, "report": 0, "sms": 0, "email": 0})
        rows[area_id]["area"] += n
        rows[area_id][channel] += n
    by_case = (
        live().filter(case__isnull=False).values_list("case__area_id", "channel").annotate(n=Count("id"))
    )
    for area_id, channel, n in by_case:
        rows.setdefault(area_id, {"area": 0, "report": 0, "sms": 0, "email": 0})
        rows[area_id]["report"] += n
        rows[area_id][channel] += n
    names = dict(Area.objects.filter(pk__in=rows).values_list("pk", "code"))
    labels = dict(Area.objects.filter(pk__in=rows).values_list("pk", "name"))
    return sorted(
        ({"code": names[pk], "name": labels[pk], **counts} for pk, counts in rows.items()),
        key=lambda r: r["code"],
    )


def mask_phones(text: str) -> str:
    """A mobile number typed into public text shows as 138****1234."""
    return MOBILE_IN_TEXT.sub(r"\1****\2", text or "")

"""Outside delivery channels. The in-app inbox is the ``Notification`` row itself and always works; each
backend here sends a copy through one more channel. ``settings.GRIDGOV["NOTIFY_BACKENDS"]`` lists the
backends' dotted paths; an SMS gateway plugs in as one more class with the same two methods.
"""

import logging
import sys

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from gridgov.outbox import RetryLater

from . import sms

log = logging.getLogger(__name__)

DEFAULT_BACKENDS = (
    "dispatch.notifications.backends.EmailBackend",
    "dispatch.notifications.backends.ConsoleSmsBackend",
)


class DeliveryFailed(RetryLater):
    """A channel could not take the message now; the delivery is retried with backoff."""


class Backend:
    channel = ""

    def accepts(self, user, notification) -> bool:
        """Whether this user gets this notification through this channel at all."""
        raise NotImplementedError

    def send(self, user, notification) -> None:
        """Send one copy; raise ``DeliveryFailed`` (or any error) to have it retried."""
        raise NotImplementedError


class EmailBackend(Backend):
    """Through Django's mail settings (console in development, SMTP from EMAIL_URL in production)."""

    channel = "email"

    def accepts(self, user, notification):
        return bool(user.email)

    def send(self, user, notification):
        send_mail(
            notification.title,
            notification.body or notification.title,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=False,
        )


class ConsoleSmsBackend(Backend):
    """What a gateway would send, written to stdout: SMS is for high-priority messages (supervised cases,
    whistles), as field systems do — not for every routine notice."""

    channel = "sms"
    stream = None

    def accepts(self, user, notification):
        return bool(user.phone) and notification.priority > 0

    def send(self, user, notification):
        stream = self.stream or sys.stdout
        stream.write(f"[SMS to {user.phone}] {notification.title}\n")
        stream.flush()


def configured_backends() -> list[Backend]:
    paths = getattr(settings, "GRIDGOV", {}).get("NOTIFY_BACKENDS", DEFAULT_BACKENDS)
    return [import_string(path)() for path in paths]


def backend_for(channel: str) -> Backend | None:
    return next((b for b in configured_backends() if b.channel == channel), None)


class GatewaySmsBackend(ConsoleSmsBackend):
    """High-priority notices through the SMS gateway chosen in ``GRIDGOV["SMS"]`` (template "notice" with
    the notice's title as its one parameter); a failure is retried by the notifications' outbox."""

    def send(self, user, notification):
        sms.gateway().send(user.phone, "notice", {"title": notification.title[:35]})

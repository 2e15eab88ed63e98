"""Every write of the notices app: publish, withdraw, read (keyword-only, in the field's words)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch import selectors as inbox_selectors
from dispatch.notifications import Message, notify
from dispatch.services import notifications_mark_read
from grids.models import Area
from grids.scope import reach

from .models import SENDER_ROLES, VOLUNTEER_AUDIENCES, Audience, Notice, NoticeReceipt
from .selectors import addressed_people

NOTIFICATION_KIND = "notice"

NOT_IN_REACH = _("You may only address areas inside your own unit.")
REQUIRED = _("This field is required.")


def sender_units(user) -> list[Area]:
    """The units (centre, street, community) a user may send notices from, highest first."""
    codes = reach(user).codes(SENDER_ROLES)
    return list(Area.objects.filter(code__in=codes, is_active=True).order_by("code"))


def _unit_for(sender, area: Area, sending_unit: Area | None) -> Area | None:
    units = sender_units(sender)
    if sending_unit is not None:
        units = [u for u in units if u.pk == sending_unit.pk]
    return next((u for u in units if area.code.startswith(u.code)), None)


@transaction.atomic
def notice_publish(
    *,
    sender,
    audience: str,
    area: Area | None,
    title: str,
    body: str,
    sending_unit: Area | None = None,
    published_at=None,
    expires_at=None,
) -> Notice:
    """Publish a notice from the sender's unit to an audience in an area inside that unit."""
    published_at = published_at or timezone.now()
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list] = {}
    if not title:
        errors["title"] = [REQUIRED]
    if not body:
        errors["body"] = [REQUIRED]
    if audience not in Audience.values:
        errors["audience"] = [_("Choose an audience.")]
    unit = None
    if area is None:
        errors["area"] = [REQUIRED]
    else:
        unit = _unit_for(sender, area, sending_unit)
        if unit is None or not area.is_active:
            errors["area"] = [NOT_IN_REACH]
    if expires_at is not None and expires_at <= published_at:
        errors["expires_at"] = [_("A notice must expire after it is published.")]
    if errors:
        raise ValidationError(errors)
    assert area is not None and unit is not None
    notice = Notice.objects.create(
        sender=sender,
        sending_unit=unit,
        audience=audience,
        area=area,
        area_code=area.code,
        title=title,
        body=body,
        published_at=published_at,
        expires_at=expires_at,
    )
    _to_inboxes(notice)
    return notice


def notification_key(notice_id: int) -> str:
    return f"notice:{notice_id}"


def _to_inboxes(notice: Notice) -> None:
    """Staff and grid workers addressed get the notice in their inbox too, through the one notification
    outbox (``dispatch.notifications.notify``: inbox rows now, outside copies published on commit). The
    public has no inbox, nor have volunteers (they read on their phone page)."""
    if notice.audience in (Audience.PUBLIC, *VOLUNTEER_AUDIENCES):
        return
    recipients = set(addressed_people(notice).values_list("pk", flat=True))
    notify(
        [
            Message(
                recipients=recipients,
                kind=NOTIFICATION_KIND,
                title=_("Notice from %(unit)s: %(title)s")
                % {"unit": notice.sending_unit.name, "title": notice.title},
                key=notification_key(notice.pk),
                body=notice.body[:500],
            )
        ]
    )


@transaction.atomic
def notice_withdraw(*, notice_id: int, actor) -> Notice:
    """Withdraw a notice: the sender, or staff of the sending unit (or above it)."""
    notice = Notice.objects.select_for_update().select_related("sending_unit").get(pk=notice_id)
    may = actor.is_superuser or notice.sender_id == actor.pk
    may = may or reach(actor).covers(notice.sending_unit.code, SENDER_ROLES)
    if not may:
        raise ValidationError({"notice": [_("Only the sending unit may withdraw this notice.")]})
    if not notice.withdrawn:
        notice.withdrawn, notice.withdrawn_at = True, timezone.now()
        notice.save(update_fields=["withdrawn", "withdrawn_at"])
    return notice


def notice_read(*, notice: Notice, user) -> NoticeReceipt:
    """Record that the user has read the notice; reading it again keeps the first time."""
    receipt = NoticeReceipt.objects.filter(notice=notice, user=user).first()
    if receipt is not None:
        return receipt
    # Read here, read in the inbox too.
    in_inbox = inbox_selectors.inbox(user).filter(key=notification_key(notice.pk), read_at__isnull=True)
    notifications_mark_read(actor=user, ids=list(in_inbox.values_list("pk", flat=True)))
    try:
        with transaction.atomic():
            return NoticeReceipt.objects.create(notice=notice, user=user, read_at=timezone.now())
    except IntegrityError:  # read twice at once: the other request recorded it
        return NoticeReceipt.objects.get(notice=notice, user=user)

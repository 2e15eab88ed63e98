"""Duty notices link to their roster, shift, swap or handover (duty.inbox_links through dispatch.targets):
each kind carries its page, its reader opens it from the inbox, a stranger gets 404 there and no link."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dispatch.models import Notification
from dispatch.targets import targets
from duty import notify, services
from duty.models import Shift

pytestmark = pytest.mark.django_db


def _opens(user, key, url):
    """The reader's notice of ``key`` links to ``url``, opens it from the inbox, and the page answers 200."""
    note = Notification.objects.get(recipient=user, key=key)
    target = targets(user, [note])[note.pk]
    assert target.url == url
    client = Client()
    client.force_login(user)
    assert target.label in client.get(reverse("inbox:list")).content.decode()  # the inbox's button
    opened = client.post(reverse("inbox:read", args=[note.pk]), {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == url
    assert client.get(url).status_code == 200


def _stranger_refused(tree, url):
    client = Client()
    client.force_login(tree.users["community_b"])
    assert client.get(url).status_code == 404


def test_a_published_roster_links_to_its_units_month(tree, published):
    url = f"{reverse('duty:unit', args=[published.unit.code])}?month={published.starts_on:%Y-%m}"
    _opens(tree.users["worker"], f"duty:roster:{published.pk}:published", url)
    _stranger_refused(tree, url)


def test_a_swap_links_each_side_to_its_shift_at_the_swaps(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    swap = services.swap_request(
        actor=u["worker"], shift_id=night.pk, substitute=u["leader"], reason="家中有事"
    )
    url = reverse("duty:shift", args=[night.pk]) + "#swaps-title"
    _opens(u["leader"], f"duty:swap:{swap.pk}:asked", url)
    _opens(u["community"], f"duty:swap:{swap.pk}:to-decide", url)
    services.swap_approve(actor=u["community"], swap_id=swap.pk)
    _opens(u["worker"], f"duty:swap:{swap.pk}:approved", url)  # the shift is gone, its unit's page is not
    _opens(u["leader"], f"duty:swap:{swap.pk}:approved", url)
    other = Shift.objects.get(person=u["worker2"])
    refused = services.swap_request(
        actor=u["worker2"], shift_id=other.pk, substitute=u["worker"], reason="培训"
    )
    services.swap_refuse(actor=u["community"], swap_id=refused.pk, reason="人手不足")
    _opens(
        u["worker2"],
        f"duty:swap:{refused.pk}:refused",
        reverse("duty:shift", args=[other.pk]) + "#swaps-title",
    )
    _stranger_refused(tree, url)


def test_a_handover_and_a_reminder_link_to_their_shifts(tree, published):
    u = tree.users
    first = Shift.objects.get(person=u["worker"])
    with time_machine.travel(first.ends_at, tick=False):
        handover = services.handover_write(actor=u["worker"], shift_id=first.pk, happened="平安")
    _opens(
        u["worker2"],
        f"duty:handover:{handover.pk}",
        reverse("duty:shift", args=[first.pk]) + "#handover-title",
    )
    with time_machine.travel(first.starts_at - notify.REMIND_BEFORE / 2, tick=False):
        notify.shifts_remind()
    _opens(u["worker"], f"duty:shift:{first.pk}:remind", reverse("duty:shift", args=[first.pk]))
    _stranger_refused(tree, reverse("duty:shift", args=[first.pk]))


def test_a_notice_whose_shift_the_reader_cannot_open_has_no_link(tree, published):
    """A reader who left the unit (or a notice copied to a stranger) gets the words without the link."""
    night = Shift.objects.get(person=tree.users["worker"])
    stranger = tree.users["community_b"]
    note = Notification.objects.create(
        recipient=stranger,
        kind=notify.KIND,
        title="x",
        key=f"duty:shift:{night.pk}:remind",
        created_at=night.starts_at,
    )
    assert targets(stranger, [note]) == {}
    client = Client()
    client.force_login(stranger)
    opened = client.post(reverse("inbox:read", args=[note.pk]), {"open": "1"})
    assert opened["Location"] == "/inbox/"

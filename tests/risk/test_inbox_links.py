"""Risk notices link to the warning's page (/risk/warnings/<id>/) or, the centre's daily count, to the
warning queue (risk.inbox_links through dispatch.targets); a stranger gets 404 and no link."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dispatch.models import Notification
from dispatch.targets import targets
from risk import services
from risk.models import RiskWarning, WarningRule

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_warnings_notice_links_to_its_page_which_its_reader_opens(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    warning = RiskWarning.objects.get(rule=WarningRule.REPEATED_PLACE)
    reader = tree.users["community"]
    note = Notification.objects.get(
        recipient=reader, kind="risk_warning", key__startswith=f"risk-warning:{warning.pk}:"
    )
    url = reverse("risk:warning", args=[warning.pk])
    assert url == f"/risk/warnings/{warning.pk}/"
    assert targets(reader, [note])[note.pk].url == url
    client = _client(reader)
    opened = client.post(reverse("inbox:read", args=[note.pk]), {"open": "1"})
    assert opened["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and warning.reason in page.content.decode()
    assert 'id="warning-events"' in page.content.decode()
    stranger = tree.users["community_b"]
    assert _client(stranger).get(url).status_code == 404
    copied = Notification.objects.create(
        recipient=stranger, kind="risk_warning", title="x", key=note.key, created_at=NOW
    )
    assert targets(stranger, [copied]) == {}


def test_the_centres_count_links_to_the_queue(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    centre = tree.users["centre"]
    note = Notification.objects.get(recipient=centre, kind="risk_warnings")
    url = reverse("risk:warnings") + "?show=all"
    assert targets(centre, [note])[note.pk].url == url
    assert _client(centre).get(url).status_code == 200

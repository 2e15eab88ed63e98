"""The media fetch admin: read-only, and a retry that revives failed fetches but never refused ones; the alert
send log."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from grids.models import User
from open311.admin import MediaFetchAdmin
from open311.models import AlertMessage, AlertSubscription, MediaFetch

from .conftest import call, point

pytestmark = pytest.mark.django_db


def test_retry_revives_failed_fetches_only(client, tree, client_key, rf):
    answer = call(
        client, "post", "requests", "json", {"api_key": client_key, "service_code": "01001", **point(tree)}
    )
    from cases.models import Case

    case = Case.objects.get(public_id=answer.data[0]["service_request_id"])
    failed = MediaFetch.objects.create(
        case=case,
        url="https://media.example.org/a.jpg",
        status="failed",
        attempts=5,
        next_attempt_at=timezone.now(),
    )
    refused = MediaFetch.objects.create(
        case=case, url="http://evil.example.com/a.jpg", status="refused", next_attempt_at=timezone.now()
    )
    admin = MediaFetchAdmin(MediaFetch, site)
    request = rf.post("/")
    request.user = tree.users["centre"]
    assert not admin.has_change_permission(request) and not admin.has_delete_permission(request)
    admin.retry(request, MediaFetch.objects.all())
    failed.refresh_from_db()
    refused.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert refused.status == "refused"


def test_the_alert_log_shows_the_message_before_its_delivery(client, tree):
    now = timezone.now()
    subscription = AlertSubscription.objects.create(
        channel="email", contact="a@example.org", area=tree.grids[0], digest_from=now
    )
    message = AlertMessage.objects.create(
        subscription=subscription, kind="change", subject="东门垃圾", next_attempt_at=now
    )
    client.force_login(User.objects.create_superuser("root", password="x"))
    page = client.get(reverse("admin:open311_alertmessage_change", args=[message.pk])).content.decode()
    assert page.index("field-subject") < page.index("field-status") < page.index("field-sent_at")

"""The centre's integration pages: who may see them, failures visible, sending again."""

import pytest

from intake.models import WebhookDelivery, WebhookStatus

from .conftest import client_for, order

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.intake.urls")]


@pytest.fixture
def failed(tree, hotline, receiver, django_capture_on_commit_callbacks):
    receiver.codes = [500] * 20
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hotline).post("/api/v1/intake/hotline/orders/", order(tree), format="json")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.FAILED
    return delivery


def test_the_centre_sees_integrations_and_failed_deliveries(client, tree, failed):
    client.force_login(tree.users["centre"])
    page = client.get("/intake/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "市12345热线" in body and failed.case.number in body and "HTTP 500" in body
    assert failed.integration.key_prefix in body and failed.integration.webhook_secret not in body


@pytest.mark.parametrize("name", ["worker", "community", "street", "handler", "stranger"])
def test_others_may_not_see_them(client, tree, name):
    client.force_login(tree.users[name])
    assert client.get("/intake/").status_code == 403
    assert client.get("/intake/deliveries/").status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, tree):
    assert client.get("/intake/").status_code == 302


def test_the_centre_sends_a_failed_delivery_again(
    client, tree, failed, receiver, django_capture_on_commit_callbacks
):
    receiver.codes = []
    client.force_login(tree.users["centre"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/intake/deliveries/{failed.pk}/retry/", {"next": "/intake/deliveries/?status=failed"}
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == WebhookStatus.SENT
    client.force_login(tree.users["community"])
    assert client.post(f"/intake/deliveries/{failed.pk}/retry/").status_code == 403


def test_the_deliveries_list_filters_by_status_in_constant_queries(
    client, tree, failed, django_assert_max_num_queries
):
    client.force_login(tree.users["centre"])
    assert failed.case.number in client.get("/intake/deliveries/?status=failed").content.decode()
    assert failed.case.number not in client.get("/intake/deliveries/?status=sent").content.decode()
    for n in range(30):
        WebhookDelivery.objects.create(
            integration=failed.integration,
            case=failed.case,
            kind="file",
            key=f"k{n}",
            next_attempt_at=failed.next_attempt_at,
        )
    with django_assert_max_num_queries(12):
        assert client.get("/intake/deliveries/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/intake/").status_code == 200

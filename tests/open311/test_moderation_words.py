"""Held citizens' words (issue 24 §4, ``GRIDGOV["CITIZEN_WORDS_MODERATED"]``): with the setting on, an
update's text reaches no public page or answer until the case's acting unit approves it in the moderation
queue; a rejection keeps it hidden for good; with the setting off it is public at once, as before."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from cases.models import CaseEvent, EventKind, HeldWords, Publication

from .test_api_citizen_phone import OWNER, phone_token
from .test_public_pages import citizen

pytestmark = pytest.mark.django_db
WORDS = "东门外又堆满了"
QUEUE = "/photo-moderation/"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {**settings.GRIDGOV, "CITIZEN_WORDS_MODERATED": True}
    cache.clear()
    yield
    cache.clear()


def post(case):
    return APIClient().post(
        f"/api/v1/public/reports/{case.public_id}/updates/",
        {"phone_token": phone_token(OWNER), "text": WORDS},
        format="json",
        REMOTE_ADDR="10.8.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def public_text(case) -> str:
    """Everything public that could carry the words: report page, Open311 requests and updates."""
    client = APIClient()
    pid = case.public_id
    return "".join(
        client.get(url, params).content.decode()
        for url, params in (
            (f"/public/reports/{pid}/", {}),
            ("/open311/v2/requests.json", {}),
            (f"/open311/v2/requests/{pid}.json", {}),
            ("/open311/v2/servicerequestupdates.json", {"service_request_id": pid}),
        )
    )


def held(case) -> CaseEvent:
    return CaseEvent.objects.get(case=case, kind=EventKind.CITIZEN_UPDATE)


def test_it_holds_the_words_and_tells_the_author_they_await_review(tree):
    case = citizen(tree)
    answer = post(case)
    assert answer.status_code == 201, answer.json()
    assert WORDS not in answer.content.decode() and "awaiting review" in answer.json()["description"]
    assert WORDS not in public_text(case)
    assert HeldWords.objects.get(pk=held(case).pk).publication == Publication.PENDING


def test_the_words_are_public_at_once_when_the_setting_is_off(tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "CITIZEN_WORDS_MODERATED": False}
    case = citizen(tree)
    assert WORDS in post(case).json()["description"]
    assert WORDS in public_text(case) and not HeldWords.objects.exists()


def test_approving_in_the_queue_makes_the_words_public(client, tree):
    case = citizen(tree)
    post(case)
    client.force_login(tree.users["community"])
    assert WORDS in client.get(QUEUE).content.decode()
    response = client.post(f"{QUEUE}words/{held(case).pk}/", {"decision": "approve"})
    assert response.status_code == 302
    assert WORDS in public_text(case)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.WORDS_APPROVE).exists()
    assert WORDS not in client.get(QUEUE).content.decode()


def test_a_rejection_keeps_the_words_hidden_for_good(client, tree):
    case = citizen(tree)
    post(case)
    client.force_login(tree.users["community"])
    client.post(f"{QUEUE}words/{held(case).pk}/", {"decision": "reject"})
    client.post(f"{QUEUE}words/{held(case).pk}/", {"decision": "approve"})  # refused: already reviewed
    assert HeldWords.objects.get(pk=held(case).pk).publication == Publication.REJECTED
    assert WORDS not in public_text(case)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.WORDS_REJECT).count() == 1
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.WORDS_APPROVE).exists()


def test_a_stranger_outside_the_area_cannot_approve(client, tree):
    case = citizen(tree)
    post(case)
    client.force_login(tree.users["community_b"])
    assert WORDS not in client.get(QUEUE).content.decode()
    assert client.post(f"{QUEUE}words/{held(case).pk}/", {"decision": "approve"}).status_code == 404
    assert HeldWords.objects.get(pk=held(case).pk).publication == Publication.PENDING


@pytest.mark.parametrize("pk", ["999999", "0"])
def test_bad_ids_are_404(client, tree, pk):
    client.force_login(tree.users["community"])
    assert client.post(f"{QUEUE}words/{pk}/", {"decision": "approve"}).status_code == 404
    assert client.post(f"{QUEUE}words/abc/", {"decision": "approve"}).status_code == 404

"""Photos named by media_url: fetched by the task from allowed hosts only, size- and content-checked,
retried with backoff when the host does not deliver. No test touches the network: ``_open`` and
``_resolve`` are replaced."""

import io
import urllib.error
from datetime import timedelta
from email.message import Message

import pytest
from django.utils import timezone

from cases.models import Attachment
from open311 import fetch as fetch_module
from open311.models import MediaFetch
from open311.services import MAX_ATTEMPTS, media_fetch_add, media_fetch_run
from open311.tasks import fetch_media, fetch_pending_media

from .conftest import approved, call, photo_bytes, point

pytestmark = pytest.mark.django_db

URL = "https://media.example.org/photos/1.jpg"


class FakeResponse(io.BytesIO):
    def __init__(self, body, content_type="image/jpeg", length=None):
        super().__init__(body)
        self.headers = Message()
        if content_type:
            self.headers["Content-Type"] = content_type
        self.headers["Content-Length"] = str(len(body) if length is None else length)


@pytest.fixture
def network(monkeypatch):
    """What the fake internet answers: ``network.answer`` (a FakeResponse or an exception) per URL."""

    class Network:
        answer = None
        addresses = ["93.184.216.34"]
        opened = []

    def fake_open(url):
        Network.opened.append(url)
        if isinstance(Network.answer, Exception):
            raise Network.answer
        return Network.answer

    monkeypatch.setattr(fetch_module, "_open", fake_open)
    monkeypatch.setattr(fetch_module, "_resolve", lambda host, port: Network.addresses)
    return Network


@pytest.fixture
def case(client, tree, client_key):
    answer = call(
        client, "post", "requests", "json", {"api_key": client_key, "service_code": "01001", **point(tree)}
    )
    from cases.models import Case

    return Case.objects.get(public_id=answer.data[0]["service_request_id"])


def test_an_allowed_photo_is_stored_as_a_before_photo_of_the_report(case, network):
    network.answer = FakeResponse(photo_bytes())
    queued = media_fetch_add(case=case, url=URL)
    assert fetch_media.delay(queued.pk) is not None
    done = MediaFetch.objects.get(pk=queued.pk)
    assert (done.status, done.attempts, done.error) == ("done", 1, "")
    attachment = Attachment.objects.get(pk=done.attachment_id)
    assert (attachment.case_id, attachment.kind, attachment.mime) == (case.pk, "before", "image/jpeg")
    assert attachment.event.kind == "report" and attachment.uploaded_by == case.reporter
    assert network.opened == [URL]


def test_the_fetched_photo_becomes_the_media_url(client, case, network):
    network.answer = FakeResponse(photo_bytes())
    media_fetch_run(media_fetch_add(case=case, url=URL).pk)
    assert call(client, "get", f"requests/{case.public_id}", "json").data[0]["media_url"] is None
    row = call(client, "get", f"requests/{approved(case).public_id}", "json").data[0]
    assert client.get(row["media_url"]).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example.com/1.jpg",
        "file:///etc/passwd",
        "gopher://media.example.org/",
        "https://user:pw@media.example.org/1.jpg",
        "https://media.example.org.evil.com/1.jpg",
    ],
)
def test_urls_outside_the_allow_list_are_refused_without_network(case, network, url):
    queued = media_fetch_add(case=case, url=url)
    assert queued.status == "refused" and queued.error
    assert media_fetch_run(queued.pk) is None  # never attempted
    assert network.opened == []


def test_subdomains_are_allowed_by_a_leading_dot(case, network, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_MEDIA_HOSTS": [".cdn.example.org"]}
    network.answer = FakeResponse(photo_bytes())
    assert (
        media_fetch_run(media_fetch_add(case=case, url="https://img1.cdn.example.org/a.jpg").pk).status
        == "done"
    )
    assert media_fetch_add(case=case, url="https://cdn.example.org.evil.net/a.jpg").status == "refused"


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.8", "169.254.169.254", "::1", "fd00::1"]
)
def test_an_allowed_host_resolving_to_a_private_address_is_refused(case, network, address):
    network.addresses = ["93.184.216.34", address]
    done = media_fetch_run(media_fetch_add(case=case, url=URL).pk)
    assert done.status == "refused" and "private" in done.error
    assert network.opened == []


def test_an_oversized_photo_is_refused(case, network, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_MEDIA_MAX_BYTES": 1000}
    body = photo_bytes(size=(400, 300))
    assert len(body) > 1000
    network.answer = FakeResponse(body)
    assert media_fetch_run(media_fetch_add(case=case, url=URL).pk).status == "refused"
    network.answer = FakeResponse(body, length=10)  # a lying Content-Length is caught while reading
    done = media_fetch_run(media_fetch_add(case=case, url=URL).pk)
    assert done.status == "refused" and "larger" in done.error
    assert not Attachment.objects.filter(case=case).exists()


def test_something_that_is_not_a_photo_is_refused(case, network):
    network.answer = FakeResponse(b"<html>login</html>", content_type="text/html")
    assert media_fetch_run(media_fetch_add(case=case, url=URL).pk).status == "refused"
    network.answer = FakeResponse(b"GIF89a not really", content_type="image/gif")
    done = media_fetch_run(media_fetch_add(case=case, url=URL).pk)
    assert done.status == "refused" and done.error
    assert not Attachment.objects.filter(case=case).exists()


def test_a_404_is_final_but_a_503_is_retried_with_backoff(case, network):
    network.answer = urllib.error.HTTPError(URL, 404, "Not Found", {}, None)
    assert media_fetch_run(media_fetch_add(case=case, url=URL).pk).status == "refused"
    network.answer = urllib.error.HTTPError(URL, 503, "Busy", {}, None)
    queued = media_fetch_add(case=case, url=URL)
    now = timezone.now()
    first = media_fetch_run(queued.pk, now=now)
    assert (first.status, first.attempts, first.next_attempt_at) == ("pending", 1, now + timedelta(minutes=1))
    assert media_fetch_run(queued.pk, now=now + timedelta(seconds=30)) is None  # not due yet
    second = media_fetch_run(queued.pk, now=now + timedelta(minutes=1))
    assert second.next_attempt_at == now + timedelta(minutes=6)  # then 5 minutes later


def test_a_host_that_never_delivers_fails_after_the_last_attempt(case, network):
    network.answer = urllib.error.URLError("timed out")
    queued = media_fetch_add(case=case, url=URL)
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        result = media_fetch_run(queued.pk, now=moment)
        moment = result.next_attempt_at
    assert (result.status, result.attempts) == ("failed", MAX_ATTEMPTS)
    assert "timed out" in result.error


def test_a_redirect_to_another_host_is_refused(case, network):
    handler = fetch_module._CheckedRedirects()
    with pytest.raises(fetch_module.MediaRefused):
        handler.redirect_request(None, None, 302, "Found", {}, "http://169.254.169.254/latest/meta-data")


def test_the_sweep_fetches_what_is_due_and_a_second_run_does_nothing(case, network):
    network.answer = FakeResponse(photo_bytes())
    first, second = media_fetch_add(case=case, url=URL), media_fetch_add(case=case, url=URL + "?2")
    MediaFetch.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    fetch_pending_media.delay()
    assert MediaFetch.objects.get(pk=first.pk).status == "done"
    assert MediaFetch.objects.get(pk=second.pk).status == "pending"
    fetch_media.delay(first.pk)  # a duplicate message: the fetch is done, nothing happens
    assert Attachment.objects.filter(case=case).count() == 1

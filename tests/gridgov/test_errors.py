"""The error pages: Chinese, in the site's layout, one log line for a 403; JSON under /api/."""

import logging

import pytest
from django.test import Client

from gridgov import errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the site's default (the test settings read English)


@pytest.fixture
def worker(client, tree):
    client.force_login(tree.users["worker"])
    return client


def _page(response) -> str:
    text = response.content.decode()
    assert "<style" not in text and "style=" not in text  # the Content-Security-Policy allows neither
    assert "/static/css/errors.css" in text
    return text


def test_an_unknown_address_is_the_chinese_404_in_the_layout(chinese, worker):
    response = worker.get("/no/such/page/")
    assert response.status_code == 404
    text = _page(response)
    assert "页面不存在" in text and 'class="topbar"' in text
    assert 'href="/cases/"' in text  # the signed-in user's navigation
    assert "/no/such/page/" in text


def test_a_stranger_gets_the_404_with_the_login(chinese, client):
    text = _page(client.get("/no/such/page/"))
    assert "页面不存在" in text and 'href="/accounts/login/"' in text


def test_a_forbidden_page_is_the_chinese_403_with_the_reason(chinese, worker):
    response = worker.get("/accounts/lockouts/")
    assert response.status_code == 403
    text = _page(response)
    assert "您无权打开此页面" in text and 'class="topbar"' in text


def test_a_403_logs_one_line_without_a_traceback(worker, caplog):
    with caplog.at_level(logging.DEBUG):
        worker.get("/accounts/lockouts/")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.getMessage()) for r in records] == [
        ("django.request", "Forbidden (Permission denied): /accounts/lockouts/")
    ]
    assert records[0].exc_info is None
    # Nothing prints it twice: only the root's console handler does (Django's own is off).
    assert logging.getLogger("django").handlers == []


def test_a_500_keeps_its_traceback_in_the_log(settings, client, caplog):
    settings.ROOT_URLCONF = "tests.gridgov.urls_errors"
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        client.get("/boom/")
    (record,) = caplog.records
    assert record.name == "django.request" and record.exc_info is not None


def test_a_failing_page_is_the_self_contained_chinese_500(chinese, settings, tree):
    settings.ROOT_URLCONF = "tests.gridgov.urls_errors"
    client = Client(raise_request_exception=False)
    client.force_login(tree.users["worker"])
    response = client.get("/boom/")
    assert response.status_code == 500
    text = _page(response)
    assert "服务器出现了问题" in text and 'class="topbar"' in text
    assert "a failure" not in text and "RuntimeError" not in text


def test_the_500_page_falls_back_to_plain_text_when_it_cannot_render(settings, monkeypatch, caplog):
    settings.ROOT_URLCONF = "tests.gridgov.urls_errors"

    def broken(*args, **kwargs):
        raise OSError("templates unreadable")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500 and "服务器出错" in response.content.decode()
    assert "The 500 page could not be rendered" in caplog.text


def test_a_refused_csrf_check_is_the_chinese_form_expired_page(chinese, tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "worker", "password": "x"})
    assert response.status_code == 403
    assert "表单已过期" in _page(response)


def test_an_unknown_host_is_the_400_page(chinese, client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "无法识别此请求" in _page(response)


def test_api_paths_keep_answering_json(settings, client):
    settings.ROOT_URLCONF = "tests.gridgov.urls_errors"
    client.raise_request_exception = False
    assert client.get("/api/v1/no-such-thing/").json()["code"] == "not_found"
    failed = client.get("/api/v1/boom/")
    assert failed.status_code == 500 and failed.json()["code"] == "error"
    bad = client.get("/api/v1/categories/", HTTP_HOST="evil.example")
    assert bad.status_code == 400 and bad.json()["code"] == "parse_error"

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_pages_are_chinese_by_default_even_for_an_english_browser(chinese_default):
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_the_language_switch_chooses_english(chinese_default):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_the_api_negotiates_the_language(chinese_default, tree):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(tree.users["worker"])
    body = client.post("/api/v1/cases/", {"title": ""}, format="json").json()
    assert body["fields"]["title"] == ["该字段不能为空。"]


def test_times_are_stored_in_utc_and_shown_in_shanghai(settings):
    from django.utils import timezone

    assert settings.USE_TZ and settings.TIME_ZONE == "Asia/Shanghai"
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"

"""Logins and keys that resist guessing (issue 17, item 5): lockouts, throttles, passwords, idle sessions,
the second factor, and the admin's audit table."""

import datetime as dt
import io

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from grids.models import AdminChange, Membership, User
from grids.security import totp_device
from intake.keys import integration_create

LIMIT = 5
LOGIN = "/accounts/login/"


@pytest.fixture
def otp_on(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "OTP_REQUIRED": True}


def login(client, username, password, address="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


# --- Lockouts ---------------------------------------------------------------------------------------


def test_an_account_locks_after_the_limit_whatever_the_address(client, tree):
    answers = [login(client, "worker", "wrong", address=f"10.0.1.{n}").status_code for n in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]  # the failure that reaches the limit locks
    locked = login(client, "worker", "pw-worker", address="10.0.2.1")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert AccessFailureLog.objects.filter(username="worker", locked_out=True).exists()  # logged
    # Another account from the first addresses still logs in.
    assert login(client, "centre", "pw-centre", address="10.0.1.9").status_code == 302


def test_an_address_locks_after_the_limit_whatever_the_account(client, tree):
    names = ["worker", "worker2", "centre", "leader", "nobody"]
    for name in names:
        login(client, name, "wrong", address="10.0.3.3")
    assert login(client, "centre", "pw-centre", address="10.0.3.3").status_code == 429
    assert login(client, "centre", "pw-centre", address="10.0.3.4").status_code == 302


def test_the_admin_login_locks_too(client, tree):
    User.objects.create_superuser("root", password="a-long-root-password")
    admin_login = reverse("admin:login")
    answers = [login(client, "root", "wrong", url=admin_login).status_code for _ in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]
    assert login(client, "root", "a-long-root-password", url=admin_login).status_code == 429


def test_the_lockout_page_is_chinese_by_default(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for _ in range(LIMIT + 1):
        response = login(client, "worker", "wrong")
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()


def test_the_centre_unlocks_an_account_and_others_may_not(client, tree):
    for _ in range(LIMIT):
        login(client, "worker", "wrong")
    other = APIClient()
    other.force_login(tree.users["worker2"])
    assert other.get(reverse("lockouts")).status_code == 403
    centre = APIClient()
    centre.force_login(tree.users["centre"])
    page = centre.get(reverse("lockouts"))
    assert page.status_code == 200 and b"worker" in page.content
    centre.post(reverse("lockouts"), {"username": "worker", "ip_address": "10.0.0.1"})
    assert login(client, "worker", "pw-worker").status_code == 302


def test_wrong_api_tokens_lock_the_address(tree):
    token = Token.objects.create(user=tree.users["centre"])
    client = APIClient(REMOTE_ADDR="10.0.4.4")
    for n in range(LIMIT):
        client.credentials(HTTP_AUTHORIZATION=f"Token wrong{n}")
        assert client.get("/api/v1/cases/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    locked = client.get("/api/v1/cases/")
    assert locked.status_code == 429 and "Too many wrong keys" in locked.json()["message"]
    elsewhere = APIClient(REMOTE_ADDR="10.0.4.5")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert elsewhere.get("/api/v1/cases/").status_code == 200


def test_wrong_integration_keys_lock_the_address_and_the_centre_unlocks_it(tree):
    hotline, key = integration_create(name="12345", kind="hotline")
    client = APIClient(REMOTE_ADDR="10.0.5.5")
    url = "/api/v1/intake/hotline/orders/"
    for n in range(LIMIT):
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key gg_{hotline.key_prefix}_wrong{n}")
        assert client.post(url, {}, format="json").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.post(url, {}, format="json").status_code == 429
    # Open311's api_key field counts for the same address.
    assert client.post("/open311/v2/requests.json", {"api_key": key}).status_code == 429
    centre = APIClient()
    centre.force_login(tree.users["centre"])
    assert b"10.0.5.5" in centre.get(reverse("lockouts")).content
    centre.post(reverse("lockouts"), {"ip_address": "10.0.5.5"})
    assert client.post(url, {}, format="json").status_code == 400  # in again: the order is checked


def test_wrong_open311_keys_lock_the_address(tree):
    _integration, key = integration_create(name="FixMyStreet", kind="open311")
    client = APIClient(REMOTE_ADDR="10.0.6.6")
    for n in range(LIMIT):
        assert client.post("/open311/v2/requests.json", {"api_key": f"gg_x_{n}"}).status_code == 403
    assert client.post("/open311/v2/requests.json", {"api_key": key}).status_code == 429


# --- Throttles, passwords ---------------------------------------------------------------------------


def test_the_api_throttles_a_user(tree, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min", "login": "3/min"}
    )
    client = APIClient()
    client.force_authenticate(tree.users["centre"])
    assert [client.get("/api/v1/cases/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_passwords_need_ten_characters_and_not_a_common_one(tree):
    user = tree.users["centre"]
    for weak in ["short9chr", "1234567890", "password123"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("grid-patrol-evening", user)


# --- Idle sessions ----------------------------------------------------------------------------------


def test_the_centre_is_logged_out_after_thirty_idle_minutes(client, tree):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(tree.users["centre"])
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity moves the clock on
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert client.get("/").status_code == 302  # the session is gone, not only this answer


def test_others_keep_their_session_longer_as_configured(client, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "SESSION_IDLE_MINUTES_OTHERS": 120}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(tree.users["worker"])
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=100))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=121))
        assert client.get("/").status_code == 302


# --- Second factor ----------------------------------------------------------------------------------


def test_the_centre_sets_up_and_verifies_a_totp_device_before_any_page(client, tree, otp_on):
    centre = tree.users["centre"]
    assert login(client, "centre", "pw-centre").status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(reverse("otp-verify"))
    assert client.get("/api/v1/cases/").status_code == 403
    setup = client.get(reverse("otp-verify"))
    assert b"otpauth://totp/" in setup.content and b"<svg" in setup.content
    device = totp_device(centre)
    assert client.post(reverse("otp-verify"), {"token": code(device), "next": "/"})["Location"] == "/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The next login asks for a code again, and no longer shows the secret.
    client.logout()
    login(client, "centre", "pw-centre")
    assert client.get("/").status_code == 302
    assert b"otpauth://" not in client.get(reverse("otp-verify")).content
    wrong = "000000" if code(device) != "000000" else "111111"
    refused = client.post(reverse("otp-verify"), {"token": wrong})
    assert refused.status_code == 200 and b"wrong or expired" in refused.content
    assert client.get("/").status_code == 302


def test_a_superuser_needs_the_second_factor_for_the_admin(client, tree, otp_on):
    root = User.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(root)
    assert client.get("/admin/")["Location"].startswith(reverse("otp-verify"))
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    client.post(reverse("otp-verify"), {"token": code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_second_factor_is_optional_for_others_and_then_required(client, tree, otp_on):
    worker = tree.users["worker"]
    client.force_login(worker)
    assert client.get("/").status_code == 200  # not required
    page = client.get(reverse("account-security"))
    assert page.status_code == 200 and b"off" in page.content
    client.get(reverse("otp-verify"))
    client.post(reverse("otp-verify"), {"token": code(totp_device(worker))})
    assert b"is on" in client.get(reverse("account-security")).content
    again = APIClient()
    again.force_login(worker)
    assert again.get("/")["Location"].startswith(reverse("otp-verify"))


# --- Admin audit ------------------------------------------------------------------------------------


def test_admin_changes_to_memberships_and_users_are_recorded_append_only(client, tree):
    root = User.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(root)
    membership = Membership.objects.filter(user=tree.users["worker"]).first()
    data = {k: ("" if v is None else v) for k, v in model_to_dict(membership).items()}
    data["is_active"] = ""
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(reverse("admin:grids_membership_change", args=[membership.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    row = AdminChange.objects.get(model="grids.membership", action="change")
    assert row.actor == root and row.object_id == str(membership.pk)
    assert row.changes["is_active"] == [True, False]

    worker = tree.users["worker2"]
    client.post(
        reverse("admin:auth_user_password_change", args=[worker.pk]),
        {"password1": "a-new-long-password", "password2": "a-new-long-password", "usable_password": "true"},
    )
    change = AdminChange.objects.filter(model="grids.user", action="change").get()
    assert change.changes == {"password": ["***", "***"]} and worker.password not in str(change.changes)

    client.post(reverse("admin:grids_membership_delete", args=[membership.pk]), {"post": "yes"})
    deleted = AdminChange.objects.get(action="delete")
    assert deleted.changes["role"][0] == membership.role

    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()


@pytest.mark.django_db
def test_the_demo_prints_the_centres_totp_secret_and_a_code_that_logs_in(client, otp_on, settings):
    call_command("load_demo", grids=20, seed=1, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    lines = {line.split("  ")[0]: line.split() for line in out.getvalue().splitlines()}
    centre = lines["district centre"][2]
    hint = next(line for line in out.getvalue().splitlines() if line.strip().startswith(f"{centre}: secret"))
    now = hint.split()[-1]
    assert login(client, centre, settings.GRIDGOV["DEMO_PASSWORD"]).status_code == 302
    assert client.get("/").status_code == 302
    client.post(reverse("otp-verify"), {"token": now})
    assert client.get("/").status_code == 200

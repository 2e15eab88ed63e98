"""Production headers: Django's deployment check passes with production settings, HTTPS settings follow the
environment, and every answer carries the Content-Security-Policy, the Permissions-Policy and, unless the
view chose otherwise, Cache-Control: no-store."""

import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from .test_gunicorn import ROOT, production_env


def deploy_env(tmp_path, **values):
    """Production as docker-compose.yml runs it, with every key production asks for."""
    env = production_env(
        tmp_path,
        CSRF_TRUSTED_ORIGINS="https://gridgov.example.gov.cn",
        GRIDGOV_AUDIT_KEYS="202612:" + secrets.token_urlsafe(32),
        GRIDGOV_PII_KEYS=Fernet.generate_key().decode(),
        GRIDGOV_PII_HASH_KEY=secrets.token_urlsafe(32),
    )
    env.update(ALLOWED_HOSTS="gridgov.example.gov.cn", **values)
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_check_finds_nothing_in_production_settings(tmp_path):
    result = run(deploy_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_still_speaks_up_when_https_is_switched_off(tmp_path):
    env = deploy_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="0")
    result = run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


SHOW = (
    "import gridgov.settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_HSTS_PRELOAD, getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SESSION_COOKIE_SECURE, "
    "s.CSRF_COOKIE_SECURE, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
)


def test_https_settings_default_to_safe_in_production(tmp_path):
    result = run(deploy_env(tmp_path), "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True 31536000 True False ('HTTP_X_FORWARDED_PROTO', 'https') True True "
        """["'self'", 'data:', 'blob:']"""
    )


def test_a_proxy_with_another_header_and_a_tile_server_are_set_from_the_environment(tmp_path):
    env = deploy_env(
        tmp_path,
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on",
        SECURE_HSTS_PRELOAD="1",
        MAP_TILE_URL="https://{s}.tiles.example.cn/{z}/{x}/{y}.png",
    )
    result = run(env, "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert "('HTTP_X_FORWARDED_SSL', 'on')" in result.stdout
    assert "True 31536000 True True" in result.stdout
    assert "'https://*.tiles.example.cn'" in result.stdout


def test_no_proxy_header_is_trusted_when_set_empty(tmp_path):
    result = run(deploy_env(tmp_path, SECURE_PROXY_SSL_HEADER=""), "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert " None " in result.stdout


def test_a_malformed_proxy_header_is_refused(tmp_path):
    result = run(deploy_env(tmp_path, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"), "-c", SHOW)
    assert result.returncode != 0 and "SECURE_PROXY_SSL_HEADER is 'HEADER,value'" in result.stderr


def test_development_keeps_plain_http(settings):
    assert not settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS == 0
    assert not settings.SESSION_COOKIE_SECURE and settings.SECURE_PROXY_SSL_HEADER is None


# --- headers on answers ---------------------------------------------------------------------------


def policy(response):
    return {d.split(" ")[0]: d.split(" ")[1:] for d in response["Content-Security-Policy"].split("; ")}


@pytest.fixture
def signed_in(client, tree):
    client.force_login(tree.users["worker"])
    return client


def test_pages_carry_a_strict_policy_and_no_store(signed_in, tree):
    response = signed_in.get("/cases/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"] and directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"] and directives["connect-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_permissions_policy_lets_our_pages_use_camera_and_position_only(client, db):
    response = client.get("/accounts/login/")
    features = dict(f.split("=") for f in response["Permissions-Policy"].split(", "))
    assert features["geolocation"] == "(self)" and features["camera"] == "(self)"
    assert features["microphone"] == features["payment"] == features["usb"] == "()"


def test_api_answers_and_anonymous_pages_are_not_stored_either(signed_in, client, tree):
    assert signed_in.get("/api/v1/cases/")["Cache-Control"] == "no-store"
    signed_in.logout()
    assert "no-store" in client.get("/accounts/login/")["Cache-Control"]  # Django's never_cache there
    assert client.get("/api/v1/cases/")["Cache-Control"] == "no-store"  # the 401/403 too


def test_a_view_that_chose_its_caching_keeps_it(client, db):
    # The grid outlines of the citizens' report page are public and the same for everyone.
    response = client.get("/public/grids.geojson")
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=600"


def test_only_the_api_documents_relax_the_style_rule(signed_in, tree):
    page = signed_in.get("/api/docs/")
    assert page.status_code == 200
    assert policy(page)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy(page)["script-src"] == ["'self'"]
    assert b"<script>" not in page.content  # Swagger UI's start-up script is a file of its own
    script = signed_in.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    redoc = signed_in.get("/api/redoc/")
    assert policy(redoc)["script-src"] == ["'self'"] and policy(redoc)["worker-src"] == ["'self'", "blob:"]
    assert b"fonts.googleapis.com" not in redoc.content


def test_a_tile_preset_opens_img_src_to_its_hosts_alone(tmp_path):
    result = run(deploy_env(tmp_path, MAP_TILES="tianditu", MAP_TILE_KEY="0123abcd"), "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert """["'self'", 'data:', 'blob:', 'https://*.tianditu.gov.cn']""" in result.stdout


def test_a_tile_preset_without_its_key_stops_the_start(tmp_path):
    result = run(deploy_env(tmp_path, MAP_TILES="tianditu"), "-c", SHOW)
    assert result.returncode != 0 and "MAP_TILES=tianditu needs MAP_TILE_KEY" in result.stderr

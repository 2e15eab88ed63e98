"""Integration API keys: shown once, stored hashed, revocable, limited by kind."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from intake.keys import integration_create, integration_for_key, integration_revoke
from intake.models import Integration

pytestmark = pytest.mark.django_db


def test_it_creates_a_key_and_stores_only_its_hash():
    integration, key = integration_create(name="市12345", kind="hotline")
    assert key.startswith(f"gg_{integration.key_prefix}_")
    assert key.split("_", 2)[2] not in integration.key_hash
    assert integration_for_key(key) == integration
    assert not integration.user.has_usable_password()


@pytest.mark.parametrize("bad", ["", "gg_", "gg_nope_nope", "Bearer x", "gg_{prefix}_wrong"])
def test_it_refuses_wrong_keys(bad):
    integration, _key = integration_create(name="sensors", kind="sensor")
    assert integration_for_key(bad.format(prefix=integration.key_prefix)) is None


def test_a_revoked_key_stops_working():
    integration, key = integration_create(name="app", kind="open311")
    assert integration_revoke(prefix=integration.key_prefix)
    assert integration_for_key(key) is None
    assert not integration_revoke(prefix=integration.key_prefix)


def test_a_key_works_only_for_its_kind():
    _integration, key = integration_create(name="app", kind="open311")
    assert integration_for_key(key, kinds=["hotline"]) is None
    assert integration_for_key(key, kinds=["open311"]) is not None


def test_the_commands_print_the_key_once_and_revoke_it():
    out = io.StringIO()
    call_command("create_api_key", "FixMyStreet", "--kind", "open311", stdout=out)
    key = out.getvalue().strip()
    assert integration_for_key(key).name == "FixMyStreet"
    with pytest.raises(CommandError):
        call_command("create_api_key", "FixMyStreet", stdout=io.StringIO())
    call_command("revoke_api_key", Integration.objects.get().key_prefix, stdout=io.StringIO())
    assert integration_for_key(key) is None

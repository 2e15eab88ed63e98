"""The per-key rate limit and the request tokens."""

import pytest

from open311.throttle import rate_limited
from open311.tokens import public_id_for, token_for

pytestmark = pytest.mark.django_db


def test_the_limit_counts_per_key_per_minute(integration, settings):
    from intake.keys import integration_create

    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_RATE_LIMIT": 3}
    other, _key = integration_create(name="other app", kind="open311")
    minute = 1_800_000_000
    assert [rate_limited(integration, now=minute) for _ in range(4)] == [False, False, False, True]
    assert not rate_limited(other, now=minute)  # another key has its own count
    assert not rate_limited(integration, now=minute + 60)  # the next minute starts again


def test_a_limit_of_zero_turns_it_off(integration, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_RATE_LIMIT": 0}
    assert not any(rate_limited(integration, now=1_800_000_000) for _ in range(100))


def test_a_token_resolves_to_its_public_id_and_a_forged_one_does_not():
    token = token_for("abc234def567")
    assert public_id_for(token) == "abc234def567"
    assert public_id_for(token.replace("abc", "abd")) is None
    assert public_id_for("") is None

"""API keys of integrations: created once and shown once, stored as a hash, revocable.

A key reads ``gg_<prefix>_<secret>``: the prefix finds the row by index, the secret is compared by hash
in constant time. Keys are 160 random bits, so a plain SHA-256 is enough (no password stretching needed:
nobody can guess them offline).
"""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from grids.models import User

from .models import Integration


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def integration_create(*, name: str, kind: str, webhook_url: str = "") -> tuple[Integration, str]:
    """Create an integration with its service user; returns the key (the only time it is visible)."""
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(20)
    user = User.objects.create_user(username=f"integration-{prefix}", display_name=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    integration = Integration.objects.create(
        name=name,
        kind=kind,
        key_prefix=prefix,
        key_hash=_hash(secret),
        user=user,
        webhook_url=webhook_url,
        webhook_secret=secrets.token_hex(32) if webhook_url else "",
    )
    return integration, f"gg_{prefix}_{secret}"


def integration_for_key(key: str, *, kinds=None) -> Integration | None:
    """The active integration a key belongs to, or None; ``kinds`` limits which kinds may use it here."""
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "gg":
        return None
    integration = (
        Integration.objects.select_related("user").filter(key_prefix=parts[1], is_active=True).first()
    )
    if integration is None or not hmac.compare_digest(integration.key_hash, _hash(parts[2])):
        return None
    if kinds and integration.kind not in kinds:
        return None
    # At most one write a minute per key: last use is for operators, not a hot-path counter.
    now = timezone.now()
    if integration.last_used_at is None or (now - integration.last_used_at).total_seconds() > 60:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
    return integration


def integration_revoke(*, prefix: str) -> bool:
    return bool(
        Integration.objects.filter(key_prefix=prefix, is_active=True).update(
            is_active=False, revoked_at=timezone.now()
        )
    )

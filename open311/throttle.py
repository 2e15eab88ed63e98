"""POSTs per API key per minute, counted in the shared cache (so every web process counts together)."""

import time

from django.core.cache import cache

from .conf import setting


def rate_limited(integration, *, now=None) -> bool:
    """Count this POST; True when the key is past its limit for the current minute."""
    limit = setting("OPEN311_RATE_LIMIT")
    if not limit:
        return False
    minute = int((now or time.time()) // 60)
    key = f"open311:rate:{integration.key_prefix}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit

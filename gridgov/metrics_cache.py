"""Django's own cache backends, counting gets, hits and misses in django-prometheus' cache counters.

django-prometheus ships wrappers for django-redis (not Django's built-in Redis backend, which we use) and a
file-based one that answers ``default`` for a cached falsy value (``0``, ``""``); these keep Django's
semantics and only count."""

from django.core.cache.backends import filebased, locmem, redis
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


class _Counting:
    metrics_label = "django"

    def get(self, key, default=None, version=None):
        label = self.metrics_label
        django_cache_get_total.labels(backend=label).inc()
        try:
            found = super().get(key, _MISSING, version=version)  # type: ignore[misc]
        except Exception:
            django_cache_get_fail_total.labels(backend=label).inc()
            raise
        if found is _MISSING:
            django_cache_misses_total.labels(backend=label).inc()
            return default
        django_cache_hits_total.labels(backend=label).inc()
        return found


class RedisCache(_Counting, redis.RedisCache):
    metrics_label = "redis"


class FileBasedCache(_Counting, filebased.FileBasedCache):
    metrics_label = "filebased"


class LocMemCache(_Counting, locmem.LocMemCache):
    metrics_label = "locmem"

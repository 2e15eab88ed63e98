"""The registry of access scopes: one scoping function per model family, failing closed.

A family registers its function with ``@scope_for(Model)`` (the apps do, in ``grids.scope``,
``cases.selectors``…); ``scoped(user, queryset)`` looks it up by the queryset's model. A model with no
registered function raises, so exposing a new model through the API without deciding its scope fails the
first test that lists it. The registry lives here, below every app, so that the API base classes in
``gridgov.api`` apply it without importing an app.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

_SCOPES: dict[type, Callable] = {}


def scope_for(model):
    def register(fn):
        _SCOPES[model] = fn
        return fn

    return register


def scoped(user, queryset: QuerySet) -> QuerySet:
    fn = _SCOPES.get(queryset.model)
    if fn is None:
        raise ImproperlyConfigured(f"No access scope registered for {queryset.model.__name__}.")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return fn(user, queryset)

"""The grid admission list (网格事项准入清单): which list is in force, whether an item or a case category is
admitted, and the record of every refusal.

A district without a list in force has not adopted the regime yet, so nothing is refused; from the day its
first list takes effect, every task pushed to grids and every case category dispatched to a grid team must
name an item on it (docs/domain.md §8).

Refusals of a case dispatch happen inside the case's transaction (a condition of the ``dispatch``
transition, registered by ``TasksConfig.ready``), which rolls back: the refusal is kept aside in this
context and written after it, by ``RefusalsRecorded`` (the request) or ``refusals_flush_after_task`` (a
Celery task). Django has no on-rollback hook; this is the place the rollback has surely happened.
"""

import datetime
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.workflow import condition
from grids.models import Level
from worktime.calendar import LOCAL_TZ

from .models import AdmissionItem, AdmissionList, AdmissionRefusal, CategoryAdmission

NOT_ADMITTED = _("该事项不在网格事项准入清单内")
NOT_FOR_WORKERS = _("该事项在准入清单内，但不得指派网格员承担")
CACHE_KEY = "tasks:admission:v1"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class InForce:
    """The list in force today, in memory: its id, the codes of items grid workers may be given, and the
    item code of each mapped category."""

    list_id: int | None
    assignable: frozenset
    admitted: frozenset
    categories: dict
    day: datetime.date


def today() -> datetime.date:
    return timezone.now().astimezone(LOCAL_TZ).date()


def list_in_force(on: datetime.date | None = None) -> AdmissionList | None:
    return AdmissionList.objects.filter(effective_from__lte=on or today()).order_by("-effective_from").first()


def in_force() -> InForce:
    """The list in force, from the cache (60 s; every write to the list clears it)."""
    found = cache.get(CACHE_KEY)
    if found is None or found.day != today():
        found = _load()
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def _load() -> InForce:
    current = list_in_force()
    if current is None:
        return InForce(None, frozenset(), frozenset(), {}, today())
    items = list(
        AdmissionItem.objects.filter(admission_list=current).values_list("code", "workers_assignable")
    )
    return InForce(
        current.pk,
        frozenset(code for code, ok in items if ok),
        frozenset(code for code, _ok in items),
        dict(CategoryAdmission.objects.values_list("category_id", "item_code")),
        today(),
    )


def forget() -> None:
    """Clear the cached list now and after the commit (a write to the list or the category mapping)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def item_refusal(item: AdmissionItem | None) -> str | None:
    """Why a task for this item may not go to grids (None when it may)."""
    current = in_force()
    if current.list_id is None:
        return None
    if item is None or item.admission_list_id != current.list_id or item.code not in current.admitted:
        return str(NOT_ADMITTED)
    if item.code not in current.assignable:
        return str(NOT_FOR_WORKERS)
    return None


def category_refusal(category_id) -> str | None:
    """Why a case of this category may not be dispatched to a grid team (None when it may)."""
    current = in_force()
    if current.list_id is None:
        return None
    code = current.categories.get(category_id)
    if code is None or code not in current.admitted:
        return str(NOT_ADMITTED)
    if code not in current.assignable:
        return str(NOT_FOR_WORKERS)
    return None


# --- Refusals ----------------------------------------------------------------------------------------

_pending: ContextVar[list | None] = ContextVar("tasks_refusals_pending", default=None)


def refusal_record(*, kind, subject, reason, requester=None, department=None, area_code="", item_code=""):
    """Write one refusal now (the caller's transaction, if any, must be one that commits)."""
    return AdmissionRefusal.objects.create(
        kind=kind,
        subject=str(subject)[:200],
        reason=str(reason)[:200],
        requester=requester if getattr(requester, "pk", None) else None,
        department=department,
        area_code=area_code,
        item_code=item_code,
    )


def refusal_later(**row) -> None:
    """Keep a refusal aside until the transaction that refused has rolled back (``refusals_flush``)."""
    pending = _pending.get()
    if pending is None:
        pending = []
        _pending.set(pending)
    pending.append(row)


def refusals_flush() -> int:
    pending = _pending.get()
    if not pending:
        return 0
    _pending.set(None)
    AdmissionRefusal.objects.bulk_create([AdmissionRefusal(**row) for row in pending])
    return len(pending)


def refusals_flush_after_task(**_kwargs) -> None:
    refusals_flush()


class RefusalsRecorded:
    """Middleware: writes the refusals a request's rolled-back transactions kept aside."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _pending.set(None)
        response = self.get_response(request)
        refusals_flush()
        return response


@condition(NOT_ADMITTED)
def grid_team_admits_category(case, inputs) -> bool:
    """The ``dispatch`` transition's condition: a grid team handles only admitted items."""
    team = inputs.team
    if team is None or getattr(team, "level", None) not in (Level.GRID, Level.MICROGRID):
        return True
    reason = category_refusal(case.category_id)
    if reason is None:
        return True
    refusal_later(
        kind=AdmissionRefusal.Kind.CASE_DISPATCH,
        subject=f"{case.number} {case.title}"[:200],
        reason=reason,
        requester_id=inputs.actor_id,
        area_code=team.code,
        item_code=(in_force().categories.get(case.category_id) or ""),
    )
    return False

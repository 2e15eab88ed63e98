"""What an inbox notice is about, as a page its reader can open: the one way a notice links to its object.

A case notice names its case (``Notification.case``); any other notice names its object in its ``key``
(``notice:12``, ``duty:swap:7:asked``, ``risk-warning:3:…``), and the app that owns the object registers,
per notification kind, a resolver that turns a page of such notices into links (``target_register``, from
the app's ``AppConfig.ready``: dispatch imports none of the apps above it). A resolver answers in one scoped
query per kind, and leaves out every notice whose object the reader may not open, so a notice never links to
a page that would answer 404 (a swapped-away shift, a warning moved to another unit, a membership ended).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from grids.scope import scoped

from .models import Notification


@dataclass(frozen=True)
class Target:
    url: str
    label: str  # the button's words: "Open the case", "Open the shift"…


# (reader, that kind's notices of one page) → {notification id: target}, only the pages the reader may open.
Resolver = Callable[[object, list[Notification]], dict[int, Target]]
_RESOLVERS: dict[str, Resolver] = {}


def target_register(kind: str, resolver: Resolver) -> None:
    """The app owning the objects of notices of ``kind`` says where they link."""
    _RESOLVERS[kind] = resolver


def targets(user, rows: Iterable[Notification]) -> dict[int, Target]:
    """Each notice's link for its reader (those without one, or whose page the reader cannot open, absent)."""
    rows = list(rows)
    found = _case_targets(user, [n for n in rows if n.case_id])
    by_kind = defaultdict(list)
    for n in rows:
        if not n.case_id and n.kind in _RESOLVERS:
            by_kind[n.kind].append(n)
    for kind, group in by_kind.items():
        found.update(_RESOLVERS[kind](user, group))
    return found


def _case_targets(user, rows) -> dict[int, Target]:
    if not rows:
        return {}
    visible = set(
        scoped(user, Case.objects.filter(pk__in={n.case_id for n in rows})).values_list("pk", flat=True)
    )
    label = _("Open the case")
    return {
        n.pk: Target(reverse("cases:detail", args=[n.case_id]), label) for n in rows if n.case_id in visible
    }


def key_ids(rows: Iterable[Notification], pattern: str) -> dict[int, int]:
    """{notification id: object id} of the notices whose key matches ``pattern`` (one group: the id)."""
    compiled = re.compile(pattern)
    found = {}
    for n in rows:
        match = compiled.fullmatch(n.key)
        if match and len(match.group(1)) < 19:  # longer is no id (and would overflow the column)
            found[n.pk] = int(match.group(1))
    return found

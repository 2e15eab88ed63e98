"""Hooks through which apps beside ``command`` move their own rows after a split or merge, so the re-homing
service (``command.rehoming``) imports none of them (apps of one layer do not import each other).

An app registers ``fn(adjustment, *, apply, locate) -> Report`` from its ``AppConfig.ready``; the service
calls every one with ``apply=False`` for the preview (inside the rolled-back adjustment) and with
``apply=True`` in the adjustment's transaction. ``locate([(lat, lon), …])`` answers the new area covering
each point (or None), as the service places its own rows. A mover reports how many rows of its kind go
to which new area, and the rows it cannot place, for a person to place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Report:
    # (kind, label, area, count): ``count`` rows of ``kind`` go to the new ``area``.
    placements: list = field(default_factory=list)
    # (kind, label, row's name, old area's name): rows left on the retired areas.
    unplaced: list = field(default_factory=list)


MOVERS: list[Callable] = []


def mover(fn):
    MOVERS.append(fn)
    return fn


def movers_run(adjustment, *, apply: bool, locate: Callable) -> list[Report]:
    return [fn(adjustment, apply=apply, locate=locate) for fn in MOVERS]

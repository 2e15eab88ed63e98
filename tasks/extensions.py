"""Hooks through which the apps above ``tasks`` add to a task's page, so ``tasks`` imports none of them
(dependencies point one way). The community registers the council decision a task carries out and the
volunteer activities created from it; without the community the page simply shows none of it.
"""

from collections.abc import Callable

# fn(task, user) -> [{"template": ..., **what it shows}], shown after the task's progress.
PANELS: list[Callable] = []


def panel(fn):
    PANELS.append(fn)
    return fn


def task_panels(task, user) -> list[dict]:
    return [p for fn in PANELS for p in fn(task, user)]

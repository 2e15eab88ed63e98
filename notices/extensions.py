"""Hooks through which the apps above ``notices`` answer for audiences it has no people of, so ``notices``
imports none of them (dependencies point one way).

Volunteers and micro-grid liaisons are the community's (``community.Volunteer``, no login): the community
app registers here who of them a notice addresses and who has read it, and the notice's page shows that
summary as it shows the staff's receipts.
"""

from collections.abc import Callable

# fn(notice) -> the receipt summary (total, read, unread, readers, not_read) or None if not its audience.
RECEIPT_SUMMARIES: list[Callable] = []


def receipt_summary(fn):
    RECEIPT_SUMMARIES.append(fn)
    return fn


def other_receipt_summary(notice) -> dict | None:
    for fn in RECEIPT_SUMMARIES:
        summary = fn(notice)
        if summary is not None:
            return summary
    return None

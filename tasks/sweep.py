"""Reminders and escalation of assignments, a step of the one deadline sweep (``dispatch/sweep.py``,
registered by ``TasksConfig.ready``): no scheduler of its own.

* reminder — an open assignment whose deadline is less than ``REMIND_BEFORE`` away: its grid team hears once;
* escalation — an assignment past its deadline and not submitted: the community above and the sender hear
  once, and the task's trail records it.

One indexed question finds both (nothing due costs one query); rows are claimed by compare-and-set on
``reminded_at`` / ``escalated_at`` under their row locks, so two sweeps never remind twice.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.notifications import Message, notify
from grids.models import CODE_LENGTH, Level, Membership, Role

from .models import Assignment, TaskEvent, TaskEventKind

REMIND_BEFORE = timedelta(hours=24)
BATCH = 1000
OPEN = ~Q(status__in=[Assignment.Status.SUBMITTED, Assignment.Status.ACCEPTED])


def _due(now):
    remind = Q(reminded_at__isnull=True, deadline__gt=now, deadline__lte=now + REMIND_BEFORE)
    escalate = Q(escalated_at__isnull=True, deadline__lte=now)
    return Assignment.objects.filter(OPEN, remind | escalate, deadline__lte=now + REMIND_BEFORE)


def assignments_remind(*, now=None) -> int:
    """The sweep's step: remind and escalate what is due; returns how many assignments were handled."""
    now = now or timezone.now()
    handled = 0
    if not _due(now).exists():  # the usual answer: one indexed query, no transaction
        return 0
    while True:
        with transaction.atomic():
            rows = list(
                _due(now)
                .select_for_update(of=("self",))
                .order_by("id")
                .values("id", "task_id", "task__title", "task__sender_id", "area_code", "deadline")[:BATCH]
            )
            if not rows:
                return handled
            overdue = [r for r in rows if r["deadline"] <= now]
            soon = [r for r in rows if r["deadline"] > now]
            Assignment.objects.filter(pk__in=[r["id"] for r in soon], reminded_at__isnull=True).update(
                reminded_at=now
            )
            Assignment.objects.filter(pk__in=[r["id"] for r in overdue], escalated_at__isnull=True).update(
                escalated_at=now
            )
            _tell(soon, overdue, now)
            handled += len(rows)
        if len(rows) < BATCH:
            return handled


def _tell(soon, overdue, now):
    grid_codes = {r["area_code"] for r in soon + overdue}
    community_codes = {code[: CODE_LENGTH[Level.COMMUNITY]] for code in (r["area_code"] for r in overdue)}
    team: dict[str, set] = {}
    staff: dict[str, set] = {}
    members = Membership.objects.filter(is_active=True).filter(
        Q(role__in=[Role.GRID_LEADER, Role.GRID_WORKER], area__code__in=grid_codes)
        | Q(role__in=[Role.GRID_LEADER, Role.GRID_WORKER], area__parent__code__in=grid_codes)
        | Q(role=Role.COMMUNITY_STAFF, area__code__in=community_codes)
    )
    for user_id, code, role in members.values_list("user_id", "area__code", "role"):
        if role == Role.COMMUNITY_STAFF:
            staff.setdefault(code, set()).add(user_id)
        else:
            team.setdefault(code[: CODE_LENGTH[Level.GRID]], set()).add(user_id)
    messages, events = [], []
    for r in soon:
        messages.append(
            Message(
                recipients=team.get(r["area_code"], set()),
                kind="task_reminder",
                title=_("Task due soon: %(title)s") % {"title": r["task__title"]},
                key=f"task-remind:{r['id']}",
            )
        )
        events.append(
            TaskEvent(task_id=r["task_id"], assignment_id=r["id"], kind=TaskEventKind.REMINDED, at=now)
        )
    for r in overdue:
        community = r["area_code"][: CODE_LENGTH[Level.COMMUNITY]]
        messages.append(
            Message(
                recipients=staff.get(community, set())
                | team.get(r["area_code"], set())
                | {r["task__sender_id"]},
                kind="task_overdue",
                title=_("Task overdue in grid %(grid)s: %(title)s")
                % {"grid": r["area_code"], "title": r["task__title"]},
                key=f"task-overdue:{r['id']}",
                priority=1,
            )
        )
        events.append(
            TaskEvent(
                task_id=r["task_id"],
                assignment_id=r["id"],
                kind=TaskEventKind.ESCALATED,
                at=now,
                payload={"to": community},
            )
        )
    notify([m for m in messages if m.recipients], at=now)
    TaskEvent.objects.bulk_create(events)

"""Steps of the one deadline sweep (``dispatch/sweep.py``, registered by ``MediationConfig.ready``):

* ``screenings_warn`` — after the screening deadline (``SCREENING_DUE_DAY`` of the month, 24:00 Beijing
  time) every active grid without a screening for the month is warned once: its grid team and its
  community staff hear through the notifications outbox, and the trail records it;
* ``disputes_escalate`` — a high-risk dispute still unresolved ``ESCALATE_AFTER`` after it was recorded
  goes up once to its street and to the district centre;
* ``follow_ups_remind`` — a follow-up visit falling due is put to the grid team once.

Each claims its rows (a unique warning row, ``escalated_at``, ``reminded_at``) under row locks, so two
sweeps never warn twice; nothing due costs one indexed query per step.
"""

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.notifications import Message, notify
from grids.models import CODE_LENGTH, Area, Level, Membership, Role

from .models import Dispute, DisputeEvent, EventKind, FollowUp, RiskLevel, Screening, ScreeningWarning
from .workflow import UNRESOLVED, Status

SCREENING_DUE_DAY = 25
ESCALATE_AFTER = timedelta(days=3)
BEIJING = ZoneInfo("Asia/Shanghai")
BATCH = 500


def screening_deadline(month: datetime.date) -> datetime.datetime:
    """The end of the due day of ``month`` in Beijing time: screenings filed after it are late."""
    return datetime.datetime.combine(
        month.replace(day=SCREENING_DUE_DAY) + timedelta(days=1), datetime.time(0), tzinfo=BEIJING
    )


def _members(codes_by_role: dict) -> dict:
    """{(role, code): {user ids}} for active memberships in the given areas."""
    q = Q(pk__in=[])
    for role, codes in codes_by_role.items():
        q |= Q(role__in=role if isinstance(role, tuple) else [role], area__code__in=sorted(codes))
    found: dict = {}
    for user_id, code in Membership.objects.filter(q, is_active=True).values_list("user_id", "area__code"):
        found.setdefault(code, set()).add(user_id)
    return found


def screenings_warn(*, now=None) -> int:
    now = now or timezone.now()
    month = timezone.localtime(now, BEIJING).date().replace(day=1)
    if now < screening_deadline(month):
        return 0
    with transaction.atomic():
        missing = list(
            Area.objects.filter(level=Level.GRID, is_active=True)
            .exclude(pk__in=Screening.objects.filter(month=month).values("area_id"))
            .exclude(pk__in=ScreeningWarning.objects.filter(month=month).values("area_id"))
            .order_by("code")
            .values_list("pk", "code", "name")[:BATCH]
        )
        if not missing:
            return 0
        claimed = ScreeningWarning.objects.bulk_create(
            [ScreeningWarning(area_id=pk, month=month, warned_at=now) for pk, _c, _n in missing],
            ignore_conflicts=True,
        )
        communities = {code[: CODE_LENGTH[Level.COMMUNITY]] for _pk, code, _n in missing}
        people = _members(
            {
                (Role.GRID_WORKER, Role.GRID_LEADER): {code for _pk, code, _n in missing},
                Role.COMMUNITY_STAFF: communities,
            }
        )
        messages, events = [], []
        for pk, code, name in missing:
            community = code[: CODE_LENGTH[Level.COMMUNITY]]
            messages.append(
                Message(
                    recipients=people.get(code, set()) | people.get(community, set()),
                    kind="screening_missing",
                    title=_("Monthly dispute screening not filed: %(grid)s, %(month)s")
                    % {"grid": name, "month": f"{month:%Y-%m}"},
                    key=f"screening-missing:{pk}:{month:%Y%m}",
                    priority=1,
                )
            )
            events.append(
                DisputeEvent(
                    area_code=code,
                    kind=EventKind.SCREENING_MISSING,
                    at=now,
                    payload={"month": f"{month:%Y-%m}"},
                )
            )
        notify([m for m in messages if m.recipients], at=now)
        DisputeEvent.objects.bulk_create(events)
    return len(claimed)


def disputes_escalate(*, now=None) -> int:
    now = now or timezone.now()
    due = Dispute.objects.filter(
        risk_level=RiskLevel.HIGH,
        escalated_at__isnull=True,
        opened_at__lte=now - ESCALATE_AFTER,
        status__in=UNRESOLVED,
    )
    if not due.exists():
        return 0
    with transaction.atomic():
        rows = list(
            due.select_for_update(of=("self",))
            .order_by("id")
            .values("id", "area_code", "title", "opened_at")[:BATCH]
        )
        Dispute.objects.filter(pk__in=[r["id"] for r in rows], escalated_at__isnull=True).update(
            escalated_at=now
        )
        streets = {r["area_code"][: CODE_LENGTH[Level.STREET]] for r in rows}
        districts = {r["area_code"][: CODE_LENGTH[Level.DISTRICT]] for r in rows}
        people = _members({Role.STREET_STAFF: streets, Role.DISTRICT_CENTRE: districts})
        messages, events = [], []
        for r in rows:
            street = r["area_code"][: CODE_LENGTH[Level.STREET]]
            district = r["area_code"][: CODE_LENGTH[Level.DISTRICT]]
            messages.append(
                Message(
                    recipients=people.get(street, set()) | people.get(district, set()),
                    kind="dispute_escalated",
                    title=_("High-risk dispute unresolved: %(title)s") % {"title": r["title"]},
                    key=f"dispute-escalated:{r['id']}",
                    priority=1,
                    extra={"dispute": r["id"]},
                )
            )
            events.append(
                DisputeEvent(
                    dispute_id=r["id"],
                    area_code=r["area_code"],
                    kind=EventKind.ESCALATED,
                    at=now,
                    payload={"to": [street, district]},
                )
            )
        notify([m for m in messages if m.recipients], at=now)
        DisputeEvent.objects.bulk_create(events)
    return len(rows)


def follow_ups_remind(*, now=None) -> int:
    now = now or timezone.now()
    today = timezone.localtime(now, BEIJING).date()
    due = FollowUp.objects.filter(
        visited_at__isnull=True, reminded_at__isnull=True, due_on__lte=today, dispute__status=Status.FOLLOW_UP
    )
    if not due.exists():
        return 0
    with transaction.atomic():
        rows = list(
            due.select_for_update(of=("self",))
            .order_by("id")
            .values("id", "dispute_id", "dispute__area_code", "dispute__title", "due_on")[:BATCH]
        )
        FollowUp.objects.filter(pk__in=[r["id"] for r in rows], reminded_at__isnull=True).update(
            reminded_at=now
        )
        people = _members({(Role.GRID_WORKER, Role.GRID_LEADER): {r["dispute__area_code"] for r in rows}})
        messages = [
            Message(
                recipients=people.get(r["dispute__area_code"], set()),
                kind="dispute_follow_up",
                title=_("Follow-up visit due: %(title)s") % {"title": r["dispute__title"]},
                key=f"dispute-follow-up:{r['id']}",
            )
            for r in rows
        ]
        notify([m for m in messages if m.recipients], at=now)
        DisputeEvent.objects.bulk_create(
            [
                DisputeEvent(
                    dispute_id=r["dispute_id"],
                    area_code=r["dispute__area_code"],
                    kind=EventKind.VISIT_DUE,
                    at=now,
                    payload={"follow_up": r["id"], "due_on": r["due_on"].isoformat()},
                )
                for r in rows
            ]
        )
    return len(rows)

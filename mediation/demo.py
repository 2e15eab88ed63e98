"""Demo: mediators for every community and street, the monthly screenings of the last three months (every
grid filed the past two, most have filed this one), and disputes in every state, from just recorded to
settled after follow-up, with a high-risk one escalated by the sweep and a case turned into a dispute.

Called by ``load_demo`` through ``grids.demo.load_app_demos`` (``DEMO_APPS``) after cases, residents and
tasks. Mediators and screenings are written in bulk (their trail too); disputes go through
``mediation.services``, as the users' requests would, so their trail is what the pages would have written.
"""

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from cases.models import Case
from gridgov.bulk import rows_insert
from grids.models import Area, Level, Membership, Role

from . import services
from .models import Dispute, DisputeEvent, EventKind, FollowUp, Mediator, MediatorKind, Screening
from .services import month_start, previous_month
from .sweep import disputes_escalate

SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
# (title, type, risk, reason)
STORIES = [
    ("楼上卫生间漏水致楼下墙面发霉", "neighbour", "medium", "双方多次争吵，有推搡"),
    ("广场舞音响噪音扰民", "neighbour", "low", "口角为主"),
    ("物业费上涨引发业主不满", "property", "medium", "涉及业主较多"),
    ("装修公司拖欠工人工资", "labour", "high", "12名工人讨薪，有聚集苗头"),
    ("兄弟分割父母房产", "family", "medium", "家庭矛盾激化"),
    ("宅基地界址争议", "land", "high", "曾扬言报复"),
    ("车位被长期占用", "neighbour", "low", "情绪平稳"),
    ("网购家电退货纠纷", "consumer", "low", "金额较小"),
    ("夫妻离婚后子女抚养费纠纷", "family", "medium", "一方情绪激动"),
]
# The state each dispute is walked to (every state at least twice).
WALKS = [
    "open",
    "open",
    "mediating",
    "mediating",
    "agreement",
    "partial",
    "failed",
    "referred",
    "follow_up",
    "follow_up",
    "settled",
    "settled",
    "settled",
    "closed",
    "closed",
    "agreement",
    "mediating",
    "failed",
]


def _signature_image(seed: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 60), (250 - seed % 40, 250, 245)).save(buffer, "JPEG")
    return SimpleUploadedFile("sign.jpg", buffer.getvalue(), content_type="image/jpeg")


def _mediators(district, rng) -> int:
    rows = []
    areas = Area.objects.filter(level__in=[Level.STREET, Level.COMMUNITY], code__startswith=district.code)
    for area in areas.order_by("code").only("id", "code", "name", "level"):
        surname = rng.choice(SURNAMES)
        if area.level == Level.COMMUNITY:
            rows.append(
                Mediator(
                    name=f"{surname}调解",
                    kind=MediatorKind.PEOPLES,
                    area=area,
                    area_code=area.code,
                    organisation=f"{area.name}人民调解委员会",
                    work_phone=f"0731-8{rng.randrange(10**6):06d}",
                )
            )
        else:
            rows.append(
                Mediator(
                    name=f"{surname}律师",
                    kind=MediatorKind.LEGAL,
                    area=area,
                    area_code=area.code,
                    organisation=f"{area.name}公共法律服务站",
                    work_phone=f"0731-8{rng.randrange(10**6):06d}",
                )
            )
            rows.append(
                Mediator(
                    name=f"{rng.choice(SURNAMES)}警官",
                    kind=MediatorKind.POLICE,
                    area=area,
                    area_code=area.code,
                    organisation=f"{area.name}派出所",
                    work_phone=f"0731-8{rng.randrange(10**6):06d}",
                )
            )
    return rows_insert(Mediator, rows)


def _screenings(grids, teams, centre, rng, today) -> dict:
    this = month_start(today)
    months = [previous_month(previous_month(this)), previous_month(this), this]
    rows = []
    for month in months:
        for grid in grids:
            if month == this and (today.day < 3 or rng.random() < 0.3):
                continue  # not filed yet this month
            found = rng.random() < 0.15
            filer = (teams.get(grid.code) or [centre.pk])[0]
            day = (
                min(rng.randint(3, 24), 28)
                if month != this
                else min(rng.randint(1, max(today.day, 1)), today.day)
            )
            rows.append(
                Screening(
                    area=grid,
                    area_code=grid.code,
                    month=month,
                    nothing_found=not found,
                    note=f"走访{rng.randint(20, 60)}户，发现矛盾纠纷苗头{rng.randint(1, 2)}起"
                    if found
                    else "",
                    filed_by_id=filer,
                    filed_at=timezone.make_aware(dt.datetime.combine(month.replace(day=day), dt.time(16))),
                )
            )
    rows_insert(Screening, rows)
    saved = Screening.objects.filter(month__in=months).values_list(
        "pk", "area_code", "month", "nothing_found", "filed_by_id"
    )
    DisputeEvent.objects.bulk_create(
        [
            DisputeEvent(
                screening_id=pk,
                area_code=code,
                kind=EventKind.SCREENED,
                actor_id=filer,
                payload={"month": f"{month:%Y-%m}", "nothing_found": nothing},
            )
            for pk, code, month, nothing, filer in saved
        ]
    )
    return {"rows": len(rows), "found": Screening.objects.filter(month__in=months, nothing_found=False)}


def _walk(dispute, target, actor, mediator, rng, n):
    sid = dispute.pk
    if target == "open":
        return
    if target == "closed" and n % 2:
        services.dispute_close(actor=actor, dispute_id=sid, reason="当事人自行和解，撤回申请")
        return
    services.session_record(
        actor=actor,
        dispute_id=sid,
        held_at=timezone.now() - dt.timedelta(days=rng.randint(2, 20)),
        place="社区人民调解室",
        notes="双方陈述各自诉求，调解员释法说理，双方同意在调解员主持下协商。",
        mediators=[mediator],
        present=list(dispute.parties.all()),
    )
    if target == "mediating":
        return
    outcome = {
        "agreement": "agreement",
        "partial": "partial",
        "failed": "failed",
        "referred": "referred",
        "closed": "failed",
    }.get(target, "agreement")
    services.dispute_conclude(
        actor=actor,
        dispute_id=sid,
        outcome=outcome,
        agreement_text="一、责任方于十日内完成维修并赔偿损失人民币800元；二、双方今后互谅互让，不再因此事发生争执。"
        if outcome in ("agreement", "partial")
        else "",
        referred_to="court" if outcome == "referred" else "",
        note={"failed": "双方分歧较大，未能达成协议", "referred": "双方同意通过诉讼解决"}.get(
            outcome, "当场达成协议"
        ),
    )
    if target == "closed":
        services.dispute_close(actor=actor, dispute_id=sid, reason="调解不成，告知当事人通过诉讼途径解决")
        return
    if target in ("agreement", "partial", "failed", "referred"):
        return
    for i, party in enumerate(dispute.parties.all()):
        services.signature_record(
            actor=actor, dispute_id=sid, party_id=party.pk, upload=_signature_image(n + i)
        )
    services.dispute_follow(actor=actor, dispute_id=sid)
    if target == "follow_up":
        FollowUp.objects.filter(
            dispute_id=sid, due_on__lte=timezone.localdate() + dt.timedelta(days=7)
        ).update(due_on=timezone.localdate() - dt.timedelta(days=1))
        return
    services.follow_up_visit(
        actor=actor, dispute_id=sid, holding=True, note="回访双方，协议已履行，关系缓和。"
    )
    services.dispute_settle(actor=actor, dispute_id=sid)


def build(*, district, seed) -> dict:
    rng = random.Random(seed)
    today = timezone.localdate()
    centre = (
        Membership.objects.filter(role=Role.DISTRICT_CENTRE, area=district, is_active=True)
        .select_related("user")
        .first()
        .user
    )
    mediators = _mediators(district, rng)
    grids = list(
        Area.objects.filter(level=Level.GRID, is_active=True, code__startswith=district.code).order_by("code")
    )
    teams: dict[str, list] = {}
    for user_id, code in Membership.objects.filter(
        role__in=[Role.GRID_WORKER, Role.GRID_LEADER], is_active=True, area__level=Level.GRID
    ).values_list("user_id", "area__code"):
        teams.setdefault(code, []).append(user_id)
    screened = _screenings(grids, teams, centre, rng, today)
    found = list(screened["found"].select_related("area").order_by("-month", "area_code")[: len(WALKS)])
    by_grid = {g.code: g for g in grids}
    walked = 0
    for n, target in enumerate(WALKS):
        title, kind, risk, reason = STORIES[n % len(STORIES)]
        screening = found[n] if n < len(found) and n % 3 == 0 else None
        grid = screening.area if screening else grids[rng.randrange(len(grids))]
        mediator = services.mediators_for(grid.code).order_by("id").first()
        parties = [
            {
                "role": "applicant",
                "name": f"{rng.choice(SURNAMES)}某",
                "phone": f"139{rng.randrange(10**8):08d}",
            },
            {
                "role": "respondent",
                "name": f"{rng.choice(SURNAMES)}某某",
                "id_number": f"430104{1960 + n}0{n % 9 + 1}1{n % 9}{rng.randrange(1000):03d}X",
            },
        ]
        dispute = services.dispute_record(
            actor=centre,
            area=by_grid[grid.code],
            title=title,
            dispute_type=kind,
            risk_level=risk,
            risk_reason=reason,
            source="screening" if screening else rng.choice(["visit", "hotline"]),
            screening=screening,
            parties=parties,
            description="网格员走访时发现，双方情绪较大，需及时化解。",
        )
        _walk(dispute, target, centre, mediator, rng, n)
        walked += 1
    # A high-risk dispute recorded five days ago and still open: the sweep escalates it.
    high = Dispute.objects.filter(risk_level="high", status__in=["open", "mediating"]).order_by("id").first()
    if high is not None:
        Dispute.objects.filter(pk=high.pk).update(opened_at=timezone.now() - dt.timedelta(days=5))
    escalated = disputes_escalate()
    from_case = 0
    case = (
        Case.objects.filter(category__code__startswith="06", area__code__startswith=district.code)
        .filter(~Q(pk__in=Dispute.objects.filter(case__isnull=False).values("case_id")))
        .order_by("-id")
        .first()
    )
    if case is not None:
        services.dispute_from_case(
            actor=centre, case_id=case.pk, risk_level="medium", risk_reason="社区排查评估"
        )
        from_case = 1
    return {
        "mediators": mediators,
        "screenings": screened["rows"],
        "disputes": walked + from_case,
        "escalated": escalated,
    }


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    result = build(district=district, seed=seed)
    stdout.write(
        f"Mediation: {result['mediators']} mediators, {result['screenings']} monthly screenings, "
        f"{result['disputes']} disputes in every state ({result['escalated']} escalated)"
    )

"""The demo's case history: the bulk writer writes what the services would, for every path."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import demo, services
from cases.api_actions import BY_NAME
from cases.events import verify_chain
from cases.models import Attachment, Case, CaseEvent, CaseNumberCounter, Source
from cases.workflow import Status
from gridgov.stored_files import orphan_files_remove

from .conftest import report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 18, 7, 30, tzinfo=dt.UTC)  # a Wednesday, 15:30 in Shanghai


def uploads(photos, refs):
    return [
        SimpleUploadedFile("photo.jpg", photos[kind][index].raw, content_type="image/jpeg")
        for kind, index in refs
    ]


def through_services(plan, photos) -> Case:
    """The same story, told to the real services at each step's moment."""
    first, *steps = plan.steps
    args = first.args
    with time_machine.travel(first.at, tick=False):
        case = services.case_report(
            actor=first.actor,
            category=plan.category,
            area=plan.area,
            at=first.at,
            **plan.report,
            self_handled_result=args.get("self_handled_result", ""),
            before_photos=uploads(photos, args.get("before_photos", ())),
            after_photos=uploads(photos, args.get("after_photos", ())),
        ).case
    for step in steps:
        kwargs = dict(step.args)
        if "photos" in kwargs:
            kwargs["photos"] = uploads(photos, kwargs["photos"])
        with time_machine.travel(step.at, tick=False):
            BY_NAME[step.action].call(case_id=case.pk, actor=step.actor, **kwargs)  # as the API calls it
    return Case.objects.get(pk=case.pk)


def case_fields(case):
    return {
        f.attname: getattr(case, f.attname)
        for f in Case._meta.concrete_fields
        # the head's hash covers the case id, which differs between the two runs (its seq may not)
        if f.attname not in ("id", "number", "public_id", "last_event_hash")
    }


def timeline(case):
    rows = []
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert verify_chain(events) is None
    assert (case.last_event_seq, case.last_event_hash) == (events[-1].seq, events[-1].hash)
    for e in events:
        payload = dict(e.payload)
        if "photos" in payload:  # attachment ids differ between the two runs; their number may not
            payload["photos"] = len(payload["photos"])
        rows.append((e.seq, e.kind, e.actor_id, e.from_status, e.to_status, e.comment, payload, e.created_at))
    return rows


def attachments(case):
    return [
        (
            a.kind,
            a.event.seq if a.event_id else None,
            a.mime,
            a.size,
            a.sha256,
            a.width,
            a.height,
            a.uploaded_by_id,
            a.created_at,
            a.original_name,
        )
        for a in Attachment.objects.filter(case=case).select_related("event").order_by("id")
    ]


@pytest.fixture
def cast(tree):
    return demo.cast_for(tree.district)


@pytest.fixture
def photos(settings):
    return demo.stock_photos(seed=5, count=6)


def test_it_writes_exactly_what_the_services_write(cast, photos):
    plans = list(demo.plan_cases(cast, seed=11, count=len(demo.FORCED) + 6, now=NOW, months=3))
    writer = demo.CaseWriter(photos)
    bulk = [writer.replay(plan) for plan in plans]
    writer.finish()
    served = [through_services(plan, photos) for plan in plans]

    assert {c.status for c in bulk} >= set(Status.values)
    for ours, theirs in zip(bulk, served):
        ours = Case.objects.get(pk=ours.pk)
        assert case_fields(ours) == case_fields(theirs), ours.number
        assert timeline(ours) == timeline(theirs), ours.number
        assert attachments(ours) == attachments(theirs), ours.number


def test_it_numbers_cases_without_gaps_and_moves_the_counters_on(tree, cast, photos, rubbish):
    with time_machine.travel(NOW - dt.timedelta(days=100), tick=False):
        first = report(tree, rubbish)
    writer = demo.CaseWriter(photos)
    for plan in demo.plan_cases(cast, seed=3, count=40, now=NOW, months=2):
        writer.replay(plan)
    writer.finish()
    with time_machine.travel(NOW, tick=False):
        last = report(tree, rubbish)
    numbers = sorted(Case.objects.filter(number__startswith="2025430104001").values_list("number", flat=True))
    assert numbers[0] == first.number
    assert numbers[-1] == last.number
    assert [int(n[-6:]) for n in numbers] == list(range(1, len(numbers) + 1))
    assert CaseNumberCounter.objects.get(year=2025, area_code="430104001").last == len(numbers)


def test_it_shows_every_state_source_and_side_path(tree, settings):
    with time_machine.travel(NOW, tick=False):
        result = demo.build(district=tree.district, seed=2024, cases=250, now=NOW)
    assert result["cases"] == Case.objects.count() == 250
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    sources = set(Case.objects.values_list("source", flat=True))
    assert sources >= {
        Source.PATROL,
        Source.CITIZEN,
        Source.HOTLINE,
        Source.SELF_HANDLED,
        Source.SENSOR,
        Source.VISIT,
    }
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    assert kinds >= {
        "report",
        "file",
        "void",
        "self_handle",
        "dispatch",
        "return_to_dispatcher",
        "accept",
        "feedback",
        "request_extension",
        "approve_extension",
        "reject_extension",
        "suspend",
        "resume",
        "verify_pass",
        "verify_fail",
        "close",
        "evaluate",
        "reopen",
        "escalate",
        "supervise",
    }
    voided_after_filing = CaseEvent.objects.filter(kind="void").exclude(from_status=Status.REPORTED)
    assert (
        voided_after_filing.exists()
        and CaseEvent.objects.filter(kind="void", from_status=Status.REPORTED).exists()
    )
    assert Case.objects.exclude(satisfaction="").exists()
    assert (
        Attachment.objects.filter(kind="before").exists() and Attachment.objects.filter(kind="after").exists()
    )
    assert Case.objects.filter(reported_at__lt=NOW - dt.timedelta(days=150)).exists()
    assert not Case.objects.filter(reported_at__gt=NOW).exists()
    assert not CaseEvent.objects.filter(created_at__gt=NOW).exists()


def test_it_spreads_each_case_over_time_in_order(tree):
    demo.build(district=tree.district, seed=9, cases=60, now=NOW)
    for case in Case.objects.all():
        times = list(
            case.events.order_by("seq").exclude(kind="self_handle").values_list("created_at", flat=True)
        )
        assert times == sorted(times) and len(set(times)) == len(
            times
        )  # the on-the-spot fix is part of the report
        assert times[0] == case.reported_at == case.created_at
        assert case.updated_at == times[-1]


def test_it_has_the_right_people_act(tree, cast):
    """Grid workers report and verify; unit staff file, dispatch and close; handlers accept and feed back."""
    demo.build(district=tree.district, seed=4, cases=80, now=NOW)
    u = tree.users
    grid_team = {u["worker"].pk, u["worker2"].pk, u["leader"].pk}
    units = {u["community"].pk, u["street"].pk, u["centre"].pk}
    by_kind = {}
    for kind, actor in CaseEvent.objects.values_list("kind", "actor_id"):
        by_kind.setdefault(kind, set()).add(actor)
    assert by_kind["self_handle"] <= grid_team
    assert by_kind["file"] <= units and by_kind["dispatch"] <= units and by_kind["close"] <= units
    assert by_kind["accept"] <= {u["handler"].pk} | grid_team | {u["community"].pk}
    assert by_kind["reopen"] == by_kind["supervise"] == {u["centre"].pk}
    assert by_kind["verify_pass"] <= grid_team | units
    for case in Case.objects.filter(status__in=[Status.VERIFIED, Status.CLOSED, Status.EVALUATED]).exclude(
        handled_by=None
    ):
        verifier = case.events.filter(kind="verify_pass").values_list("actor_id", flat=True).last()
        assert verifier is None or verifier != case.handled_by_id


def test_it_is_the_same_for_the_same_seed(cast):
    def outline(seed):
        return [
            [(s.action, getattr(s.actor, "pk", None), s.at) for s in p.steps]
            for p in demo.plan_cases(cast, seed=seed, count=30, now=NOW)
        ]

    assert outline(1) == outline(1)
    assert outline(1) != outline(2)


def test_its_chains_pass_the_audit_command(tree):
    demo.build(district=tree.district, seed=2, cases=40, now=NOW)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "All 40 case chains verify." in out.getvalue()


def test_load_demo_hook_writes_one_summary_line(tree):
    out = io.StringIO()
    demo.load(district=tree.district, seed=1, stdout=out, cases=20, grids=8)
    assert Case.objects.count() == 20
    assert out.getvalue().startswith("Cases: 20 cases,")


def test_load_demo_leaves_no_case_past_its_deadline_unmarked(tree):
    started = timezone.now()  # the sweep inside runs later: everything due by now it has seen
    demo.load(district=tree.district, seed=3, stdout=io.StringIO(), cases=200)
    assert Case.objects.filter(alert="red").exists()  # the backlog is there, and marked
    assert not Case.objects.filter(stage_due_at__lte=started).exclude(alert="red").exists()
    assert CaseEvent.objects.filter(kind="overdue").exists()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "All 200 case chains verify." in out.getvalue()


def test_it_writes_nothing_for_a_district_without_teams(db):
    from grids.models import Area, Level

    empty = Area.objects.create(code="430999", name="空区", level=Level.DISTRICT)
    assert demo.build(district=empty, cases=10)["cases"] == 0


def test_its_photos_share_a_dozen_stored_files_that_the_sweep_keeps_and_the_pages_serve(tree, client):
    result = demo.build(district=tree.district, seed=6, cases=60, now=NOW)
    rows = Attachment.objects.all()
    names = set(rows.values_list("file", flat=True)) | set(rows.values_list("thumbnail", flat=True))
    assert result["images"] == 12 and result["attachments"] == rows.count() > 12
    assert len(set(rows.values_list("file", flat=True))) <= 12  # thousands of rows, a dozen files
    assert all(default_storage.exists(name) for name in names)
    # Past the sweep's grace period every stored photo is still named by a row: none is removed.
    assert orphan_files_remove(now=timezone.now() + dt.timedelta(days=30)) == []
    assert all(default_storage.exists(name) for name in names)
    first, second = rows.order_by("id")[:2]
    client.force_login(tree.users["centre"])
    for attachment in (first, second):
        response = client.get(reverse("cases:attachment", args=[attachment.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"

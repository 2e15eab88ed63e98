import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import CaseEvent, Category
from gridgov import audit_chain
from mediation import services
from mediation.models import Dispute, DisputeEvent, FollowUp, Party, Session, Signature
from mediation.services import NotAllowedNow
from tests.factories import photo, report

from .conftest import mediated, person_in, record

pytestmark = pytest.mark.django_db


def test_it_records_a_dispute_with_a_register_person_masked_and_an_outsider_masked(tree):
    person = person_in(tree, 1)  # grid 1 is in grid 0's community
    dispute = record(
        tree,
        actor=tree.users["community"],
        parties=[
            {"role": "applicant", "person": person.pk},
            {"role": "respondent", "name": "王某", "id_number": "430104198001011234", "phone": "13800001111"},
        ],
    )
    linked, outsider = dispute.parties.order_by("id")
    assert linked.person == person and linked.name == person.name and linked.id_mask == person.id_mask
    assert "*" in linked.id_mask and "*" in linked.phone_mask
    assert outsider.is_outsider and "1234" not in outsider.id_mask[6:-1] and "*" in outsider.phone_mask
    assert "13800001111" not in outsider.phone_mask
    assert dispute.status == "open" and dispute.area_code == tree.grids[0].code
    assert dispute.events.get().kind == "recorded"


def test_it_finds_a_register_person_by_the_id_number_typed(tree):
    person = person_in(tree, 0)
    number = __import__("residents.crypto", fromlist=["decrypt"]).decrypt(person.id_cipher)
    dispute = record(tree, parties=[{"role": "applicant", "name": "x", "id_number": number}])
    assert dispute.parties.get().person == person


def test_it_refuses_a_party_outside_the_area_and_saves_nothing(tree):
    far = person_in(tree, 5)
    with pytest.raises(ValidationError) as refused:
        record(tree, actor=tree.users["centre"], parties=[{"role": "applicant", "person": far.pk}])
    assert "outside" in str(refused.value.message_dict["parties.0"])
    assert not Dispute.objects.exists() and not Party.objects.exists() and not DisputeEvent.objects.exists()


def test_it_refuses_a_dispute_without_type_risk_reason_or_parties_per_field(tree):
    with pytest.raises(ValidationError) as refused:
        record(tree, dispute_type="x", risk_level="", risk_reason=" ", parties=[])
    assert set(refused.value.message_dict) == {"dispute_type", "risk_level", "risk_reason", "parties"}


def test_it_refuses_a_dispute_in_a_grid_the_worker_does_not_work_in(tree):
    with pytest.raises(PermissionDenied):
        record(tree, grid=5)


def test_a_screening_is_filed_once_per_grid_and_month_nothing_found_included(tree):
    worker = tree.users["worker"]
    screening = services.screening_file(
        actor=worker, area=tree.grids[0], month=timezone.localdate(), nothing_found=True
    )
    assert screening.month == timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError) as twice:
        services.screening_file(
            actor=worker, area=tree.grids[0], month=timezone.localdate(), nothing_found=True
        )
    assert "already filed" in str(twice.value.message_dict["month"])
    assert DisputeEvent.objects.filter(kind="screened").count() == 1


def test_a_screening_that_found_something_says_what_and_months_are_this_or_last(tree):
    worker, today = tree.users["worker"], timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.screening_file(
            actor=worker, area=tree.grids[0], month=today - dt.timedelta(days=70), nothing_found=False
        )
    assert set(refused.value.message_dict) == {"month", "note"}
    late = services.screening_file(
        actor=worker,
        area=tree.grids[0],
        month=today.replace(day=1) - dt.timedelta(days=1),
        nothing_found=False,
        note="漏水纠纷1起",
    )
    dispute = record(tree, source="screening", screening=late)
    assert dispute.screening == late


def test_a_screening_dispute_names_a_screening_that_found_something_in_its_grid(tree):
    nothing = services.screening_file(
        actor=tree.users["worker"], area=tree.grids[0], month=timezone.localdate(), nothing_found=True
    )
    with pytest.raises(ValidationError) as refused:
        record(tree, source="screening", screening=nothing)
    assert "found nothing" in str(refused.value.message_dict["screening"])
    with pytest.raises(ValidationError):
        record(tree, source="screening")


def test_a_dispute_case_becomes_a_dispute_in_one_step_linked_both_ways(tree):
    case = report(tree, Category.objects.get(code="06001"), title="邻里噪音", extra={"parties": 2})
    dispute = services.dispute_from_case(
        actor=tree.users["centre"], case_id=case.pk, risk_level="high", risk_reason="威胁"
    )
    assert dispute.case == case and case.dispute == dispute
    assert dispute.source == "case" and dispute.dispute_type == "neighbour" and dispute.area == tree.grids[0]
    note = CaseEvent.objects.filter(case=case, kind="note").get()
    assert dispute.number in note.comment
    assert dispute.events.get().kind == "from_case"
    with pytest.raises(ValidationError):
        services.dispute_from_case(actor=tree.users["centre"], case_id=case.pk)


def test_a_case_of_another_category_does_not_become_a_dispute(tree):
    case = report(tree, Category.objects.get(code="05004"), title="护栏")
    with pytest.raises(ValidationError) as refused:
        services.dispute_from_case(actor=tree.users["centre"], case_id=case.pk)
    assert "dispute category" in str(refused.value)
    assert not Dispute.objects.exists()


def test_mediation_starts_with_a_serving_mediator_and_both_sides(tree, mediator):
    lone = record(tree, parties=[{"role": "applicant", "name": "张某"}])
    with pytest.raises(ValidationError) as refused:
        services.dispute_start(actor=tree.users["worker"], dispute_id=lone.pk, mediator=mediator)
    assert "parties" in refused.value.message_dict
    far = services.mediator_register(actor=tree.users["centre"], name="远", kind="legal", area=tree.grids[5])
    dispute = record(tree)
    with pytest.raises(ValidationError) as wrong:
        services.dispute_start(actor=tree.users["worker"], dispute_id=dispute.pk, mediator=far)
    assert "mediator" in wrong.value.message_dict
    started = services.dispute_start(actor=tree.users["worker"], dispute_id=dispute.pk, mediator=mediator)
    assert started.status == "mediating" and started.mediator == mediator


def test_a_first_session_starts_mediation_and_records_attendance(tree, mediator):
    dispute = mediated(tree, mediator)
    assert dispute.status == "mediating"
    session = dispute.sessions.get()
    assert set(session.present.all()) == set(dispute.parties.all())
    assert [e.kind for e in dispute.events.order_by("seq")] == ["recorded", "started", "session"]


def test_a_first_session_needs_both_sides(tree, mediator):
    lone = record(tree, parties=[{"role": "applicant", "name": "张某"}])
    with pytest.raises(ValidationError) as refused:
        services.session_record(
            actor=tree.users["worker"],
            dispute_id=lone.pk,
            held_at=timezone.now(),
            place="x",
            notes="y",
            mediators=[mediator],
        )
    assert "parties" in refused.value.message_dict
    services.party_add(
        actor=tree.users["worker"], dispute_id=lone.pk, party={"role": "respondent", "name": "李某"}
    )
    services.session_record(
        actor=tree.users["worker"],
        dispute_id=lone.pk,
        held_at=timezone.now(),
        place="x",
        notes="y",
        mediators=[mediator],
    )
    assert Dispute.objects.get(pk=lone.pk).status == "mediating"


def test_a_session_for_a_closed_dispute_is_refused(tree, mediator):
    dispute = record(tree)
    services.dispute_close(actor=tree.users["worker"], dispute_id=dispute.pk, reason="当事人撤回")
    with pytest.raises(NotAllowedNow) as refused:
        services.session_record(
            actor=tree.users["worker"],
            dispute_id=dispute.pk,
            held_at=timezone.now(),
            place="x",
            notes="y",
            mediators=[mediator],
        )
    assert "no more sessions" in refused.value.message
    assert not Session.objects.exists()


def test_a_session_needs_place_notes_mediators_and_the_disputes_own_parties(tree, mediator):
    dispute = record(tree)
    other = record(tree)
    with pytest.raises(ValidationError) as refused:
        services.session_record(
            actor=tree.users["worker"],
            dispute_id=dispute.pk,
            held_at=timezone.now() + dt.timedelta(days=1),
            place="",
            notes="",
            mediators=[],
            present=list(other.parties.all()),
        )
    assert set(refused.value.message_dict) == {"held_at", "place", "notes", "mediators", "present"}
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_an_agreement_needs_its_terms_and_a_referral_its_destination(tree, mediator):
    dispute = mediated(tree, mediator)
    with pytest.raises(ValidationError) as no_terms:
        services.dispute_conclude(actor=tree.users["worker"], dispute_id=dispute.pk, outcome="agreement")
    assert "agreement_text" in no_terms.value.message_dict
    with pytest.raises(ValidationError) as nowhere:
        services.dispute_conclude(actor=tree.users["worker"], dispute_id=dispute.pk, outcome="referred")
    assert "referred_to" in nowhere.value.message_dict
    referred = services.dispute_conclude(
        actor=tree.users["worker"], dispute_id=dispute.pk, outcome="referred", referred_to="court"
    )
    assert referred.status == "referred" and referred.referred_to == "court"
    closed = services.dispute_close(actor=tree.users["worker"], dispute_id=dispute.pk, reason="已起诉")
    assert closed.status == "closed"


def test_an_outcome_needs_a_session_first(tree, mediator):
    dispute = record(tree)
    services.dispute_start(actor=tree.users["worker"], dispute_id=dispute.pk, mediator=mediator)
    with pytest.raises(ValidationError) as refused:
        services.dispute_conclude(actor=tree.users["worker"], dispute_id=dispute.pk, outcome="failed")
    assert "session" in str(refused.value.message_dict["outcome"])


def test_a_failed_or_partial_mediation_resumes_and_a_failure_is_referred(tree, mediator):
    dispute = mediated(tree, mediator)
    worker = tree.users["worker"]
    services.dispute_conclude(
        actor=worker, dispute_id=dispute.pk, outcome="partial", agreement_text="部分赔偿"
    )
    assert services.dispute_resume(actor=worker, dispute_id=dispute.pk).status == "mediating"
    services.dispute_conclude(actor=worker, dispute_id=dispute.pk, outcome="failed", note="分歧大")
    assert (
        services.dispute_refer(actor=worker, dispute_id=dispute.pk, referred_to="petition").status
        == "referred"
    )


def test_a_step_that_does_not_apply_names_the_ones_that_do(tree):
    dispute = record(tree)
    with pytest.raises(NotAllowedNow) as refused:
        services.dispute_settle(actor=tree.users["worker"], dispute_id=dispute.pk)
    assert set(refused.value.allowed) == {"start", "close"}


def test_closing_needs_a_reason(tree):
    dispute = record(tree)
    with pytest.raises(ValidationError):
        services.dispute_close(actor=tree.users["worker"], dispute_id=dispute.pk, reason=" ")
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def _agreed(tree, mediator):
    dispute = mediated(tree, mediator)
    return services.dispute_conclude(
        actor=tree.users["worker"],
        dispute_id=dispute.pk,
        outcome="agreement",
        agreement_text="一、502维修防水",
    )


def test_follow_up_waits_for_every_partys_signature_then_sets_the_visits(tree, mediator):
    dispute = _agreed(tree, mediator)
    worker = tree.users["worker"]
    first, second = dispute.parties.order_by("id")
    services.signature_record(actor=worker, dispute_id=dispute.pk, party_id=first.pk, upload=photo())
    with pytest.raises(ValidationError) as refused:
        services.dispute_follow(actor=worker, dispute_id=dispute.pk)
    assert second.name in str(refused.value.message_dict["signatures"])
    services.signature_record(actor=worker, dispute_id=dispute.pk, party_id=second.pk, upload=photo())
    followed = services.dispute_follow(actor=worker, dispute_id=dispute.pk)
    assert followed.status == "follow_up"
    today = timezone.localdate()
    assert [f.due_on for f in followed.follow_ups.order_by("due_on")] == [
        today + dt.timedelta(days=d) for d in services.FOLLOW_UP_DAYS
    ]


def test_a_signature_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_kept(tree, mediator):
    dispute = _agreed(tree, mediator)
    party = dispute.parties.first()
    fake = SimpleUploadedFile("sig.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        services.signature_record(
            actor=tree.users["worker"], dispute_id=dispute.pk, party_id=party.pk, upload=fake
        )
    assert "file" in refused.value.message_dict
    assert not Signature.objects.exists()


def test_a_signed_pdf_page_is_kept_as_it_is(tree, mediator):
    dispute = _agreed(tree, mediator)
    party = dispute.parties.first()
    pdf = SimpleUploadedFile(
        "sig.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )
    signature = services.signature_record(
        actor=tree.users["worker"], dispute_id=dispute.pk, party_id=party.pk, upload=pdf
    )
    assert signature.mime == "application/pdf" and signature.file.name.endswith(".pdf")


def test_settling_needs_a_visit_that_found_the_agreement_holding(tree, mediator):
    dispute = _agreed(tree, mediator)
    worker = tree.users["worker"]
    for party in dispute.parties.all():
        services.signature_record(actor=worker, dispute_id=dispute.pk, party_id=party.pk, upload=photo())
    services.dispute_follow(actor=worker, dispute_id=dispute.pk)
    with pytest.raises(ValidationError):
        services.dispute_settle(actor=worker, dispute_id=dispute.pk)
    services.follow_up_visit(actor=worker, dispute_id=dispute.pk, holding=False, note="尚未维修")
    with pytest.raises(ValidationError):
        services.dispute_settle(actor=worker, dispute_id=dispute.pk)
    visit = services.follow_up_visit(
        actor=worker, dispute_id=dispute.pk, holding=True, note="已维修，双方和好"
    )
    assert FollowUp.objects.filter(dispute=dispute, visited_at__isnull=False).count() == 2 and visit.holding
    settled = services.dispute_settle(actor=worker, dispute_id=dispute.pk)
    assert settled.status == "settled" and settled.settled_at
    with pytest.raises(NotAllowedNow):
        services.session_record(
            actor=worker,
            dispute_id=dispute.pk,
            held_at=timezone.now(),
            place="x",
            notes="y",
            mediators=[mediator],
        )


def test_the_trail_is_hash_chained_and_verifies(tree, mediator):
    _agreed(tree, mediator)
    assert DisputeEvent.objects.count() == 5  # mediator, recorded, started, session, concluded
    assert audit_chain.breaks(["dispute_events"]) == []
    with pytest.raises(PermissionError):
        DisputeEvent.objects.update(comment="x")


def test_a_read_only_leader_and_a_stranger_may_not_act(tree, mediator):
    from grids.models import Role
    from tests.factories import make_user

    dispute = record(tree)
    viewer = make_user("viewer", Role.LEADER_READONLY, tree.district)
    with pytest.raises(PermissionDenied):
        services.dispute_close(actor=viewer, dispute_id=dispute.pk, reason="x")
    with pytest.raises(Dispute.DoesNotExist):
        services.dispute_close(actor=tree.users["stranger"], dispute_id=dispute.pk, reason="x")
    with pytest.raises(Dispute.DoesNotExist):
        services.dispute_close(actor=tree.users["worker2"], dispute_id=dispute.pk, reason="x")
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_mediators_are_registered_by_staff_of_the_area(tree):
    with pytest.raises(PermissionDenied):
        services.mediator_register(actor=tree.users["worker"], name="x", kind="peoples", area=tree.grids[0])
    with pytest.raises(ValidationError) as refused:
        services.mediator_register(actor=tree.users["community"], name="", kind="judge", area=tree.grids[0])
    assert set(refused.value.message_dict) == {"name", "kind"}

"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

from django.utils import timezone

from mediation import services
from mediation.models import DisputeEvent, Mediator


def _mediator(tree, i) -> Mediator:
    return services.mediator_register(
        actor=tree.users["centre"], name=f"调解员{i}", kind="peoples", area=tree.grids[i]
    )


def _dispute(tree, i):
    mediator = _mediator(tree, i)
    dispute = services.dispute_record(
        actor=tree.users["centre"],
        area=tree.grids[i],
        title=f"纠纷{i}",
        dispute_type="neighbour",
        risk_level="low",
        risk_reason="口角",
        source="visit",
        parties=[{"role": "applicant", "name": "张某"}, {"role": "respondent", "name": "李某"}],
    )
    return dispute, mediator


def mediator_in(tree, i):
    return _mediator(tree, i).pk


def screening_in(tree, i):
    return services.screening_file(
        actor=tree.users["centre"], area=tree.grids[i], month=timezone.localdate(), nothing_found=True
    ).pk


def dispute_in(tree, i):
    return _dispute(tree, i)[0].pk


def session_in(tree, i):
    dispute, mediator = _dispute(tree, i)
    return services.session_record(
        actor=tree.users["centre"],
        dispute_id=dispute.pk,
        held_at=timezone.now(),
        place="调解室",
        notes="陈述",
        mediators=[mediator],
    ).pk


def event_in(tree, i):
    return DisputeEvent.objects.filter(dispute=_dispute(tree, i)[0]).get().pk


MAKERS = {
    "mediator": mediator_in,
    "screening": screening_in,
    "dispute": dispute_in,
    "mediation-session": session_in,
    "dispute-event": event_in,
}
EXEMPT: dict = {}

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from mediation import services
from residents import idcard
from residents.services import person_register

_seq = itertools.count(1)


def person_in(tree, grid_index, name="赵某", phone="13912345678"):
    n = next(_seq)
    return person_register(
        actor=tree.users["centre"],
        area=tree.grids[grid_index],
        name=name,
        id_number=idcard.make("430104", dt.date(1970, 1, 1) + dt.timedelta(days=n), n),
        phone=phone,
    )


def record(tree, *, actor=None, grid=0, parties=None, **kwargs):
    kwargs.setdefault("title", "楼上漏水")
    kwargs.setdefault("dispute_type", "neighbour")
    kwargs.setdefault("risk_level", "medium")
    kwargs.setdefault("risk_reason", "双方争吵")
    kwargs.setdefault("source", "visit")
    return services.dispute_record(
        actor=actor or tree.users["worker"],
        area=tree.grids[grid],
        parties=parties
        if parties is not None
        else [
            {"role": "applicant", "name": "张某"},
            {"role": "respondent", "name": "李某", "phone": "13800001111"},
        ],
        **kwargs,
    )


@pytest.fixture
def mediator(tree):
    return services.mediator_register(
        actor=tree.users["community"], name="刘调解", kind="peoples", area=tree.communities[0]
    )


def mediated(tree, mediator, *, actor=None):
    """A dispute in grid 0 with a session held: mediating."""
    actor = actor or tree.users["worker"]
    dispute = record(tree, actor=actor)
    services.session_record(
        actor=actor,
        dispute_id=dispute.pk,
        held_at=timezone.now(),
        place="社区调解室",
        notes="双方陈述",
        mediators=[mediator],
        present=list(dispute.parties.all()),
    )
    dispute.refresh_from_db()
    return dispute

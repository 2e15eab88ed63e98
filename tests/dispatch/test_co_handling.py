"""Co-handling holds the lead's feedback back: a condition dispatch adds to the ``feedback`` transition
(``cases.workflow.condition_register``), so cases never imports dispatch."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases import services as case_services
from cases.models import Case
from dispatch import services
from grids.models import Role
from tests.factories import make_user, photo

from .conftest import report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Shanghai


def test_the_lead_feeds_back_only_once_every_assistant_answered(tree, rubbish):
    police = type(tree.departments[0]).objects.create(code="GA", name="公安分局", area=tree.district)
    police.covered_areas.add(tree.district)
    officer = make_user("officer", Role.DEPARTMENT_HANDLER, tree.district, department=police)
    u = tree.users
    with time_machine.travel(NOW, tick=False):
        case = report(tree, rubbish)
        case_services.case_file(case_id=case.pk, actor=u["community"])
        case_services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
        case_services.case_accept(case_id=case.pk, actor=u["handler"])
        [assist] = services.assist_request(
            case_id=case.pk, actor=u["community"], departments=[police], at=NOW
        )
        with pytest.raises(ValidationError) as err:
            case_services.case_feedback(
                case_id=case.pk, actor=u["handler"], result="已清运", photos=[photo()]
            )
        assert err.value.message_dict["__all__"] == [str(services.assistants_settled.message)]
        services.assist_answer(assist_id=assist.pk, actor=officer, answer="已配合执法")
        case_services.case_feedback(case_id=case.pk, actor=u["handler"], result="已清运", photos=[photo()])
    assert Case.objects.get(pk=case.pk).status == "handled"

"""One English word, one Chinese term across the apps' catalogues (Django merges them: the first app in
INSTALLED_APPS wins a msgid, so a clash shows one app's word on another's page). Where a word truly means
two things it carries a context (msgctxt)."""

import pytest
from django.utils import translation

from cases.models import Alert, CloseType, EventKind
from residents.forms import HouseholdForm
from residents.models import Dwelling, VisitTask
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_it_says_overdue_as_one_term_but_keeps_the_close_type():
    assert {str(Alert.RED.label), str(EventKind.OVERDUE.label), translation.gettext("Overdue")} == {"超期"}
    assert str(CloseType.OVERDUE.label) == "超时"


def test_it_tells_an_open_case_from_an_open_task_and_a_visit_to_make():
    assert translation.gettext("Open") == "在办"
    assert (str(Task.Status.OPEN.label), str(Task.Status.CLOSED.label)) == ("进行中", "已关闭")
    assert str(VisitTask.Status.OPEN.label) == "待办"
    assert translation.gettext("Closed") == "已结案"


def test_it_tells_a_buildings_unit_from_a_unit_of_measure_or_organisation():
    assert str(Dwelling._meta.get_field("unit").verbose_name) == "单元"
    assert str(HouseholdForm.base_fields["unit"].label) == "单元"
    assert (translation.gettext("unit"), translation.gettext("Unit")) == ("单位", "单位")


def test_a_closed_place_is_not_a_closed_case():
    assert translation.gettext("closed") == "结案数"
    assert translation.pgettext("place", "closed") == "已停业"


def test_the_tasks_and_assessment_words_are_their_own():
    pairs = [
        (("review", "Accept"), "验收通过", "签收"),
        (("task", "Send"), "下发", "提交"),
        (("admission", "Item"), "事项", "对象"),
        (("column", "Department"), "部门", "处置部门"),
        (("count", "Refused"), "拒绝次数", "已拒绝"),
        (("column", "Name"), "名称", "姓名"),
        (("count", "Self-handled"), "自行处置数", "自行处置"),
    ]
    for (context, word), theirs, plain in pairs:
        assert (translation.pgettext(context, word), translation.gettext(word)) == (theirs, plain)

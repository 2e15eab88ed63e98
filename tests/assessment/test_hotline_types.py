"""The three hotline rates per 12345 request type, against hand-computed figures: two enquiries answered
directly (one within the 30-minute filing limit, one late; one rated satisfied), one complaint filed on time
and left open, one patrol case that is no hotline's."""

import pytest
from django.utils import translation

from assessment.pages import report_view
from assessment.records import records_rebuild
from assessment.report import report
from assessment.selectors import report_params

from .conftest import AS_OF, Story, on

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(tree, rubbish):
    early = Story(tree, rubbish, on(2, "09:00"), source="hotline", reporter="centre", request_type="consult")
    early.do(on(2, "09:10"), "case_answer", "community", result="已告知办理地点")
    early.do(on(2, "09:20"), "case_evaluate", "centre", satisfaction="satisfied")
    late = Story(tree, rubbish, on(2, "09:00"), source="hotline", reporter="centre", request_type="consult")
    late.do(on(2, "10:00"), "case_answer", "community", result="已告知办理地点")
    complaint = Story(
        tree, rubbish, on(2, "09:00"), source="hotline", reporter="centre", request_type="complaint"
    )
    complaint.file(on(2, "09:05"))
    Story(tree, rubbish, on(2, "09:00"))
    records_rebuild()


def _rows(user):
    with translation.override("zh-hans"):
        data = report(user, report_params(user, {"month": "2026-03", "as_of": AS_OF.isoformat()}))
    return data, {row["key"]: row for row in data["hotline_types"]}


def _fig(row, key):
    fig = row["figures"][key]
    return fig["value"], fig["num"], fig["den"]


def test_it_computes_the_three_rates_per_request_type(tree, calls):
    _data, rows = _rows(tree.users["centre"])
    assert list(rows) == ["consult", "complaint"]  # the types' order; none without hotline cases
    consult = rows["consult"]
    assert consult["name"] == "咨询"
    assert _fig(consult, "hotline_response_rate") == (50.0, 1, 2)
    assert _fig(consult, "hotline_solution_rate") == (100.0, 2, 2)  # answered counts as solved
    assert _fig(consult, "hotline_satisfaction_rate") == (100.0, 1, 1)
    assert consult["score"] == 95.0  # 0.1×50 + 0.5×100 + 0.4×100
    complaint = rows["complaint"]
    assert _fig(complaint, "hotline_response_rate") == (100.0, 1, 1)
    # Filed on the 2nd, past its closing limit by noon on the 3rd, still open.
    assert _fig(complaint, "hotline_solution_rate") == (0.0, 0, 1)


def test_the_report_page_shows_them_as_a_tab_without_ranks(tree, calls):
    data, _rows_by_key = _rows(tree.users["centre"])
    view = report_view(
        data, {}, level="street", levels=["street"], args={"tab": "hotline_types"}, link=lambda **c: ""
    )
    assert view["table"]["ranked"] is False
    assert [r["name"] for r in view["table"]["rows"]] == ["咨询", "投诉"]

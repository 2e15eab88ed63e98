"""The public API's "fixed or still a problem?" (open311/citizen_api.py over cases.services'
``case_evaluate_by_token`` and ``case_reopen_by_token``, the tracking page's path too): through the
reporter's own link, within the callback window; one report's link answers for no other; a forged link
is a 404; an open or rated report a 409; bad input a 400 by field."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent
from cases.tokens import citizen_token
from tests.intake.test_citizens import _close

from .test_public_pages import citizen

pytestmark = pytest.mark.django_db


def answer(token, **data):
    return APIClient().post(
        f"/api/v1/public/track/{token}/answer/", data, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )


def state(token):
    return APIClient().get(f"/api/v1/public/track/{token}/", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def closed(tree):
    case = citizen(tree)
    _close(tree, case)
    return case


def test_the_link_shows_where_the_report_stands_and_what_may_be_answered(closed):
    body = state(citizen_token(closed)).json()
    assert body["report"] == body["followed"] == closed.public_id
    assert body["status"] == "closed" and body["may_rate"] and body["may_reopen"]
    assert body["milestones"][0]["text"] == "Your report was received."
    assert "13800001234" not in str(body) and "王女士" not in str(body)


def test_still_a_problem_reopens_it_to_the_centres_queue_with_the_words(closed):
    reply = answer(citizen_token(closed), answer="still_a_problem", words="只清了一半")
    assert reply.status_code == 200, reply.json()
    assert reply.json()["status"] == "filed" and reply.json()["may_reopen"] is False
    closed.refresh_from_db()
    assert closed.status == "filed"
    event = CaseEvent.objects.filter(case=closed, kind="reopen").get()
    assert "只清了一半" in event.comment


def test_fixed_rates_it(closed):
    reply = answer(citizen_token(closed), answer="fixed", satisfaction="satisfied", comment="及时")
    assert reply.status_code == 200 and reply.json()["rating"] == "Satisfied"
    closed.refresh_from_db()
    assert closed.status == "evaluated" and closed.satisfaction == "satisfied"
    again = answer(citizen_token(closed), answer="fixed", satisfaction="dissatisfied")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_still_a_problem_after_the_window_is_a_400_naming_the_words(closed):
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=30))
    reply = answer(citizen_token(closed), answer="still_a_problem", words="又堆满了")
    assert reply.status_code == 400
    assert reply.json()["fields"] == {
        "words": ["This report can no longer be reopened from its link; please report it again."]
    }
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_an_open_report_is_a_409(tree):
    case = citizen(tree)
    reply = answer(citizen_token(case), answer="still_a_problem", words="还在")
    assert reply.status_code == 409
    reply = answer(citizen_token(case), answer="fixed", satisfaction="satisfied")
    assert reply.status_code == 409
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_bad_input_is_a_400_naming_the_field(closed):
    token = citizen_token(closed)
    cases = [
        ({}, ["answer"]),
        ({"answer": "maybe"}, ["answer"]),
        ({"answer": "fixed"}, ["satisfaction"]),
        ({"answer": "fixed", "satisfaction": "no_response"}, ["satisfaction"]),
        ({"answer": "still_a_problem"}, ["words"]),
        ({"answer": "still_a_problem", "words": "字" * 501}, ["words"]),
    ]
    for data, fields in cases:
        reply = answer(token, **data)
        assert reply.status_code == 400 and list(reply.json()["fields"]) == fields, data
    assert Case.objects.get(pk=closed.pk).status == "closed"


def test_one_reports_link_answers_for_no_other(tree, closed):
    """The owner's link reopens the owner's report; a stranger's link (their own report) touches only
    theirs, and a forged link nothing."""
    stranger = citizen(tree)
    _close(tree, stranger)
    forged = citizen_token(closed)[:-3] + "abc"
    assert answer(forged, answer="still_a_problem", words="还在").status_code == 404
    assert state(forged).status_code == 404
    assert state(f"{stranger.public_id}:{citizen_token(closed).split(':')[1]}").status_code == 404
    assert answer(citizen_token(stranger), answer="still_a_problem", words="还在").status_code == 200
    assert Case.objects.get(pk=closed.pk).status == "closed"
    assert Case.objects.get(pk=stranger.pk).status == "filed"

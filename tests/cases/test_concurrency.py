"""Two people acting on one case at once, and many reports at once: PostgreSQL only (real row locks)."""

import pytest

from cases import services
from cases.models import Case, CaseEvent
from tests.concurrency import run_together

from .conftest import report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_dispatchers_at_once_one_wins(tree, rubbish):
    case = report(tree, rubbish)
    services.case_file(case_id=case.pk, actor=tree.users["community"])
    version = Case.objects.get(pk=case.pk).version
    dept = tree.departments[0]
    results = run_together(
        lambda: services.case_dispatch(
            case_id=case.pk, actor=tree.users["community"], department=dept, version=version
        ),
        lambda: services.case_dispatch(
            case_id=case.pk, actor=tree.users["street"], department=dept, version=version
        ),
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, (services.StaleVersion, services.ActionNotAllowed))
    assert CaseEvent.objects.filter(case=case, kind="dispatch").count() == 1


def test_the_api_answers_409_to_the_loser(tree, rubbish):
    from rest_framework.test import APIClient

    case = report(tree, rubbish)
    version = case.version

    def file_as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/v1/cases/{case.pk}/file/", {"version": version}, format="json").status_code

    results = run_together(lambda: file_as(tree.users["community"]), lambda: file_as(tree.users["street"]))
    assert sorted(code for _, code in results) == [200, 409]
    assert CaseEvent.objects.filter(case=case, kind="file").count() == 1


def test_concurrent_reports_get_consecutive_numbers(tree, rubbish):
    results = run_together(*[lambda: report(tree, rubbish) for _ in range(8)])
    assert all(kind == "ok" for kind, _ in results), results
    serials = sorted(int(case.number[-6:]) for _, case in results)
    assert serials == list(range(serials[0], serials[0] + 8))


def test_concurrent_retries_with_one_key_make_one_case(tree, rubbish):
    def create():
        return services.case_report(
            actor=tree.users["worker"],
            category=rubbish,
            title="重试",
            lat=tree.grids[0].centroid_lat,
            lon=tree.grids[0].centroid_lon,
            idempotency_key="same-key",
        ).case.pk

    results = run_together(*[create for _ in range(4)])
    assert all(kind == "ok" for kind, _ in results), results
    assert len({pk for _, pk in results}) == 1
    assert Case.objects.count() == 1

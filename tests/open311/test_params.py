"""Date windows and list parameters: empty is absent, 90 days at most, w3 datetimes with an offset."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict

from open311.params import date_window, listed, request_query, value
from open311.render import Open311Error

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def q(text):
    return QueryDict(text)


def test_empty_and_blank_parameters_are_absent():
    assert value(q("a=&b=%20"), "a") is None and value(q("b=%20"), "b") is None
    assert listed(q("service_code=,01001,,05003,"), "service_code") == ["01001", "05003"]


def test_no_dates_mean_the_last_90_days():
    assert date_window(q(""), now=NOW) == (NOW - timedelta(days=90), None)


def test_one_bound_spans_90_days():
    start, end = date_window(q("start_date=2026-01-01T00:00:00Z"))
    assert end - start == timedelta(days=90)
    start, end = date_window(q("end_date=2026-06-01T00:00:00%2B08:00"))
    assert end == datetime(2026, 5, 31, 16, 0, tzinfo=UTC) and end - start == timedelta(days=90)


def test_a_date_without_time_or_offset_is_the_jurisdictions_midnight():
    start, _end = date_window(q("start_date=2026-11-23"))
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z",
        "start_date=2026-01-02T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "start_date=23/11/2026",
        "status=open,fixed",
    ],
)
def test_bad_values_are_400(text):
    with pytest.raises(Open311Error) as raised:
        request_query(q(text))
    assert raised.value.status == 400


def test_service_request_id_overrides_and_is_not_validated_with_the_rest():
    query = request_query(q("service_request_id=a,b&status=nonsense&start_date=garbage"))
    assert query.ids == ["a", "b"] and query.start is None and query.codes == []

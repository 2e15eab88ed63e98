"""Open311 publishes what citizens and workers typed: an ID number typed into a description is published
masked (under the same policy as everywhere), never whole and never with its birth date."""

import datetime as dt

import pytest

from residents import crypto, idcard

from .conftest import call
from .test_views_requests import submit

pytestmark = pytest.mark.django_db


def test_an_id_number_in_a_published_description_is_masked(client, tree, client_key):
    number = idcard.make("430104", dt.date(1962, 8, 19), 305)
    case = submit(client, tree, client_key, description=f"我是住户，身份证{number}，东门外垃圾堆放")
    for path in (f"requests/{case.public_id}", "requests"):
        answer = call(client, "get", path, "json")
        assert answer.status == 200
        text = str(answer.data)
        assert number not in text and "19620819" not in text and "1962-08-19" not in text
        assert crypto.mask_id(number) in text
    updates = call(client, "get", "servicerequestupdates", "json")
    assert number not in str(updates.data)

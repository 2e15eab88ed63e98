import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from residents import idcard


def test_it_accepts_the_standard_example_and_a_lower_case_x():
    assert idcard.normalize("11010519491231002x") == "11010519491231002X"


def test_it_refuses_a_wrong_check_digit():
    with pytest.raises(ValidationError) as exc:
        idcard.normalize("110105194912310021")
    assert exc.value.code == "check_digit"


def test_it_refuses_an_impossible_birth_date():
    first17 = "43010419990230001"
    with pytest.raises(ValidationError) as exc:
        idcard.normalize(first17 + idcard.check_char(first17))
    assert exc.value.code == "birth_date"


def test_it_refuses_a_birth_date_in_the_future():
    with pytest.raises(ValidationError):
        idcard.normalize(idcard.make("430104", dt.date(2030, 1, 1), 1), today=dt.date(2026, 1, 1))


@pytest.mark.parametrize("raw", ["", "12345", "4301041990010100AX", "43010419900101001Y"])
def test_it_refuses_malformed_numbers(raw):
    with pytest.raises(ValidationError):
        idcard.normalize(raw)


def test_it_converts_a_fifteen_digit_legacy_number():
    assert idcard.normalize("110105491231002") == "11010519491231002X"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)), st.integers(0, 999))
def test_generated_numbers_validate_and_carry_birth_date_and_gender(born, seq):
    number = idcard.make("430104", born, seq)
    assert idcard.normalize(number) == number
    assert idcard.birth_date(number) == born
    assert idcard.gender(number) == ("male" if seq % 2 else "female")

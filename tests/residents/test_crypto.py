import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from residents import crypto
from residents.models import Person
from residents.selectors import id_hashes

pytestmark = pytest.mark.django_db


def raw_row(person_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_cipher, id_hash, id_mask, phone_cipher FROM residents_person WHERE id = %s",
            [person_id],
        )
        return cursor.fetchone()


def test_the_raw_database_value_of_an_id_number_is_not_the_number(register):
    for person_id, number in register.numbers.items():
        row = raw_row(person_id)
        stored = " ".join(row)
        assert number not in stored
        assert number[6:14] not in row[0] and register.phones[person_id] not in stored
        assert crypto.decrypt(row[0]) == number
        assert row[2] == number[:4] + "*" * 12 + number[-2:]


def test_two_persons_never_share_a_ciphertext_even_for_equal_values():
    assert crypto.encrypt("13800138000") != crypto.encrypt("13800138000")


def test_the_search_hash_is_keyed(settings):
    settings.GRIDGOV_PII_HASH_KEY = "key-one"
    first = crypto.lookup_hash("id", "11010519491231002X")
    settings.GRIDGOV_PII_HASH_KEY = "key-two"
    assert crypto.lookup_hash("id", "11010519491231002X") != first


def test_keys_rotate_and_old_ciphertexts_stay_readable_until_the_command_runs(register, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.GRIDGOV_PII_KEYS = ",".join([old, *crypto.keys()])
    call_command("rotate_pii_keys", verbosity=0, stdout=io.StringIO())
    person_id, number = next(iter(register.numbers.items()))
    under_old = raw_row(person_id)[0]
    settings.GRIDGOV_PII_KEYS = f"{new},{old}"
    assert crypto.decrypt(under_old) == number
    call_command("rotate_pii_keys", verbosity=0, stdout=io.StringIO())
    settings.GRIDGOV_PII_KEYS = new
    for pid, value in register.numbers.items():
        assert crypto.decrypt(raw_row(pid)[0]) == value
    with pytest.raises(InvalidToken):
        settings.GRIDGOV_PII_KEYS = old
        crypto.decrypt(raw_row(person_id)[0])


def test_a_hash_key_rotation_keeps_exact_search_working(register, settings):
    person_id, number = next(iter(register.numbers.items()))
    settings.GRIDGOV_PII_HASH_KEY = "the-old-hash-key"
    call_command("rotate_pii_keys", stdout=io.StringIO())
    settings.GRIDGOV_PII_HASH_KEY = "a-new-hash-key,the-old-hash-key"
    assert Person.objects.filter(id_hash__in=id_hashes(number)).get().id == person_id  # old hash still found
    call_command("rotate_pii_keys", stdout=io.StringIO())
    settings.GRIDGOV_PII_HASH_KEY = "a-new-hash-key"
    assert Person.objects.filter(id_hash__in=id_hashes(number)).get().id == person_id


def test_production_refuses_to_run_without_keys(settings):
    settings.PRODUCTION = True
    settings.GRIDGOV_PII_KEYS = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


@pytest.mark.parametrize(
    ("value", "masked"), [("13812345678", "138****5678"), ("110105194912310021", "1101************21")]
)
def test_masks_keep_three_first_and_four_last_of_a_phone_and_four_and_two_of_an_id(value, masked):
    assert (crypto.mask_phone if len(value) == 11 else crypto.mask_id)(value) == masked


@pytest.mark.parametrize(
    ("first", "last", "masked"),
    [
        (6, 2, "110105**********21"),
        (0, 0, "*" * 18),
        (3, 1, "110**************1"),
        (8, 4, "110105**********21"),
    ],
)
def test_the_id_mask_follows_the_policy_but_never_shows_the_birth_date_or_sequence(
    settings, first, last, masked
):
    settings.GRIDGOV = {**settings.GRIDGOV, "ID_MASK_KEEP_FIRST": first, "ID_MASK_KEEP_LAST": last}
    assert crypto.mask_id("110105194912310021") == masked
    # A mask narrowed again under the policy is the mask of the number (how stored masks are migrated).
    assert crypto.mask_id("110105********0021") == masked

"""Links for people without an account: a citizen follows and rates their report with a token.

The token is the case's public id signed with the site's key, so it needs no table, cannot be guessed
from a case number, and stops working if the key is rotated. It gives access to one case's plain-words
timeline and its rating, nothing else.
"""

from django.core import signing

from .models import Case

SALT = "gridgov.cases.citizen-link"


def citizen_token(case) -> str:
    return signing.Signer(salt=SALT).sign(case.public_id)


def case_id_for_token(token: str) -> int | None:
    try:
        public_id = signing.Signer(salt=SALT).unsign(token or "")
    except signing.BadSignature:
        return None
    return Case.objects.filter(public_id=public_id).values_list("pk", flat=True).first()

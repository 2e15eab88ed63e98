"""Tokens for GET tokens/{token}: the public id signed with the site's key, so no table is needed.

Our services are realtime (the POST answers with the service_request_id), so the specification's token
step is not needed; clients that follow it anyway get the token in the POST's ``Open311-Token`` header.
"""

from django.core import signing

SALT = "gridgov.open311.token"


def token_for(public_id: str) -> str:
    return signing.Signer(salt=SALT).sign(public_id)


def public_id_for(token: str) -> str | None:
    try:
        return signing.Signer(salt=SALT).unsign(token or "")
    except signing.BadSignature:
        return None

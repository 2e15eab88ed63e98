"""DRF authentication by integration API key: ``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``.

Open311 clients send ``api_key`` as a form field; its views read that themselves with the same lookup.
"""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from gridgov.lockout import key_failed, refuse_if_locked

from .keys import integration_for_key


def key_from_request(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("api-key "):
        return header[8:].strip()
    return request.headers.get("X-Api-Key", "").strip()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    kinds = None  # subclasses limit the integration kinds an endpoint accepts

    def authenticate(self, request):
        key = key_from_request(request)
        if not key:
            return None
        refuse_if_locked(request)  # a guessing address is refused before any lookup
        integration = integration_for_key(key, kinds=self.kinds)
        if integration is None:
            key_failed(request, kind="api key")
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        request.integration = integration
        return integration.user, integration

    def authenticate_header(self, request):
        return "Api-Key"

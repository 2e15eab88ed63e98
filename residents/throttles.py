"""Exact search by ID number, rationed: the mask and the birth year leave some 3,000 candidate numbers for a
person, and an unlimited exact search would let anyone who can list the person try them one by one.

``GRIDGOV["ID_SEARCH_RATE"]`` (default 30 per hour per user) is generous for looking people up at the door
and far too few for trying candidates.
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class IdNumberSearchThrottle(UserRateThrottle):
    """Counts only requests that search by ``id_number``; every other request passes untouched."""

    scope = "id_number_search"

    def get_rate(self):
        return (getattr(settings, "GRIDGOV", {}) or {}).get("ID_SEARCH_RATE", "30/hour")

    def allow_request(self, request, view):
        query = getattr(request, "query_params", None) or request.GET
        if not query.get("id_number", "").strip():
            return True
        return super().allow_request(request, view)

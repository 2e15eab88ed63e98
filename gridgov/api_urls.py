"""Everything under /api/v1/. Every viewset registered here must be covered by tests/test_scope_coverage.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from grids.api import AreaViewSet, MembershipViewSet, MeView

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
]

"""Everything under /api/v1/. Every viewset registered here must be covered by tests/test_scope_coverage.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cases.api import CaseViewSet, CategoryViewSet
from grids.api import AreaViewSet, MembershipViewSet, MeView

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("cases", CaseViewSet, basename="case")
router.register("categories", CategoryViewSet, basename="category")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
]

"""Everything under /api/v1/. Every viewset registered here must be covered by
tests/test_scope_coverage.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cases.api import CannedReplyViewSet, CaseViewSet, CategoryViewSet
from cases.api_uploads import UploadListView, UploadView
from grids.api import AreaViewSet, MembershipViewSet, MeView

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("cases", CaseViewSet, basename="case")
router.register("categories", CategoryViewSet, basename="category")
router.register("canned-replies", CannedReplyViewSet, basename="canned-reply")
# residents (issue 7)
from residents import api as residents_api  # noqa: E402

router.register("residents/buildings", residents_api.BuildingViewSet, basename="resident-building")
router.register("residents/dwellings", residents_api.DwellingViewSet, basename="resident-dwelling")
router.register("residents/households", residents_api.HouseholdViewSet, basename="resident-household")
router.register("residents/persons", residents_api.PersonViewSet, basename="resident-person")
router.register("residents/person-tags", residents_api.PersonTagViewSet, basename="resident-person-tag")
router.register("residents/group-tags", residents_api.GroupTagViewSet, basename="resident-group-tag")
router.register("residents/places", residents_api.PlaceViewSet, basename="resident-place")
router.register("residents/visits", residents_api.VisitViewSet, basename="resident-visit")
router.register("residents/visit-tasks", residents_api.VisitTaskViewSet, basename="resident-visit-task")
router.register("residents/coverage", residents_api.CoverageViewSet, basename="resident-coverage")
router.register("residents/imports", residents_api.ImportJobViewSet, basename="resident-import")
router.register("residents/access-log", residents_api.PiiAccessLogViewSet, basename="resident-access-log")

# dispatch (issue 4)
from dispatch import api as dispatch_api  # noqa: E402

router.register("departments", dispatch_api.DepartmentViewSet, basename="department")
router.register("routing/rules", dispatch_api.RoutingRuleViewSet, basename="routing-rule")
router.register("routing/suggest", dispatch_api.RoutingSuggestViewSet, basename="routing-suggest")
router.register("whistles", dispatch_api.WhistleViewSet, basename="whistle")
router.register("case-assists", dispatch_api.CaseAssistViewSet, basename="case-assist")
router.register("notifications", dispatch_api.NotificationViewSet, basename="notification")

# assessment (issue 6), command map and patrols (issue 5), intake (issue 8), tasks, notices, duty, fieldwork
# (issue 19), community (issue 20), risk (issue 21): each app lists its ROUTES.
import importlib  # noqa: E402

APPS_WITH_ROUTES = (
    "assessment",
    "command",
    "intake",
    "mediation",
    "notices",
    "tasks",
    "community",
    "fieldwork",
    "risk",
    "duty",
)
for _app in APPS_WITH_ROUTES:
    for _prefix, _viewset, _basename in importlib.import_module(f"{_app}.api").ROUTES:
        router.register(_prefix, _viewset, basename=_basename)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    # Photos in pieces (issue 23): the sender's own, scoped by owner, not by area (no router entry).
    path("uploads/", UploadListView.as_view(), name="uploads"),
    path("uploads/<uuid:upload_id>/", UploadView.as_view(), name="upload"),
    # Citizens without an account (issue 24): phone codes, updates, "still a problem", alerts (no router
    # entry: nothing of an area is read, the verified phone and the signed links are the permission).
    path("public/", include("open311.api_urls")),
    path("", include(router.urls)),
]

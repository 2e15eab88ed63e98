from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from community import views as community_views
from grids import security
from notices import views as notices_views

from . import errors, health, observability, views

# The interactive API documents are other people's pages: Swagger UI's page carries a <style> block and
# Redoc writes its styles at run time and searches in a blob: worker. Their pages alone allow that; the
# split view serves Swagger UI's start-up script as a file, so no page needs inline scripts, and our Redoc
# page leaves out the fonts drf-spectacular's fetches from Google.
swagger_page = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)
redoc_page = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
    SpectacularRedocView.as_view(url_name="schema", template_name="gridgov/redoc.html")
)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("gridgov.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_page, name="api-docs"),
    path("api/redoc/", redoc_page, name="api-redoc"),
    path("cases/", include("cases.urls")),
    path("cases/", include("dispatch.urls")),
    path("inbox/", include("dispatch.inbox_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", security.otp_verify, name="otp-verify"),
    path("accounts/security/", security.account_security, name="account-security"),
    path("accounts/lockouts/", security.lockouts, name="lockouts"),
    path("residents/", include("residents.urls")),
    path("assessment/", include("assessment.urls")),
    path("command/", include("command.urls")),
    path("public/notices/", notices_views.public_list, name="public-notices"),
    path("public/reports/", include("open311.public_urls")),
    path("photo-moderation/", include("open311.moderation_urls")),
    path("public/grids/<str:code>/team/", community_views.public_team, name="public-team"),
    path("public/volunteer/<str:token>/", community_views.public_volunteer, name="public-volunteer"),
    path("public/", include("intake.urls")),
    path("notices/", include("notices.urls")),
    path("intake/", include("intake.staff_urls")),
    path("open311/v2/", include("open311.urls")),
    path("alerts/", include("open311.staff_urls")),
    path("tasks/", include("tasks.urls")),
    path("community/", include("community.urls")),
    path("fieldwork/", include("fieldwork.urls")),
    path("risk/", include("risk.urls")),
    path("duty/", include("duty.urls")),
    path("mediation/", include("mediation.urls")),
    path("basemap/notice/hide/", views.basemap_notice_hide, name="basemap-notice-hide"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("offline/", views.offline_page, name="offline"),
    path("", views.home, name="home"),
]
# No /media/ route, not even under DEBUG: case photos and import files are personal information, served
# only by views that check the viewer's scope (gridgov.stored_files.stored_file_response).

# The error pages in the site's layout, in Chinese; under /api/ the API's JSON error shape.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

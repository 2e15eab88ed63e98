from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views
from .health import healthz

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
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("gridgov.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_page, name="api-docs"),
    path("api/redoc/", redoc_page, name="api-redoc"),
    path("cases/", include("cases.urls")),
    path("cases/", include("dispatch.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("residents/", include("residents.urls")),
    path("assessment/", include("assessment.urls")),
    path("command/", include("command.urls")),
    path("public/", include("intake.urls")),
    path("intake/", include("intake.staff_urls")),
    path("open311/v2/", include("open311.urls")),
    path("", views.home, name="home"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = views.not_found  # JSON under /api/

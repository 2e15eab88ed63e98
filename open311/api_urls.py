"""/api/v1/public/: the citizens' public API (``open311.citizen_api``), no login. Mounted by
gridgov/api_urls.py beside the router: these views serve no area data, so they are not scoped viewsets
(tests/test_scope_coverage.py lists them with the reason)."""

from django.urls import path

from . import citizen_api as views

urlpatterns = [
    path("phone/code/", views.PhoneCodeView.as_view(), name="public-phone-code"),
    path("phone/verify/", views.PhoneVerifyView.as_view(), name="public-phone-verify"),
    path("reports/<str:public_id>/updates/", views.ReportUpdateView.as_view(), name="public-report-update"),
    path("track/<str:token>/", views.TrackView.as_view(), name="public-track"),
    path("track/<str:token>/answer/", views.AnswerView.as_view(), name="public-track-answer"),
    path("alerts/", views.SubscribeView.as_view(), name="public-alerts"),
    path("alerts/confirm/", views.ConfirmView.as_view(), name="public-alerts-confirm"),
    path("alerts/unsubscribe/", views.UnsubscribeView.as_view(), name="public-alerts-unsubscribe"),
]

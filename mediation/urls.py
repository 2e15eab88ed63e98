from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("screening/", views.screening, name="screening"),
    path("mediators/", views.mediators, name="mediators"),
    path("from-case/<int:case_pk>/", views.from_case, name="from-case"),
    path("signatures/<int:pk>/", views.signature_file, name="signature"),
    path("<int:pk>/", views.dispute_detail, name="detail"),
    path("<int:pk>/agreement/", views.agreement_print, name="agreement"),
    path("<int:pk>/agreement.pdf", views.agreement_file, name="agreement-pdf"),
    path("<int:pk>/<slug:step>/", views.dispute_step, name="step"),
]

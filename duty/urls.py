from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.duty_home, name="home"),
    path("units/<str:code>/", views.unit_month, name="unit"),
    path("units/<str:code>/new/", views.roster_new, name="roster-new"),
    path("rosters/<int:pk>/publish/", views.roster_publish, name="publish"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/swap/", views.swap_request, name="swap"),
    path("shifts/<int:pk>/handover/", views.handover_write, name="handover"),
    path("swaps/<int:pk>/decide/", views.swap_decide, name="decide"),
]

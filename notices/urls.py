from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
]

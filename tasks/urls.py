from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("", views.home, name="home"),
    path("list/", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("burden/", views.burden, name="burden"),
    path("admission/", views.admission_list, name="admission"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/export/", views.task_export, name="export"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/assign/", views.assignment_assign, name="assign"),
    path("assignments/<int:pk>/submit/", views.assignment_submit, name="submit"),
    path("assignments/<int:pk>/review/", views.assignment_review, name="review"),
    path("assignments/<int:pk>/fill/", views.result_fill, name="fill"),
]

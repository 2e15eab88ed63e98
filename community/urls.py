from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.home, name="home"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/sign-up/", views.activity_sign_up, name="sign-up"),
    path("activities/<int:pk>/check-in/", views.activity_check_in, name="check-in"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="complete"),
    path("volunteers/new/", views.volunteer_new, name="volunteer-new"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("grids/<str:code>/team/", views.team, name="team"),
    path("councils/", views.councils, name="councils"),
    path("councils/<int:pk>/meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/publish/", views.meeting_publish, name="meeting-publish"),
    path("follow-ups/<int:pk>/raise/", views.follow_up_raise, name="follow-up-raise"),
    path("tasks/<int:pk>/activity/", views.activity_from_task, name="activity-from-task"),
]

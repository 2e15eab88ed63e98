from django.urls import path

from . import views

app_name = "dispatch"

# Included under /cases/ (the forms sit on the case page): the same addresses as when cases served them.
urlpatterns = [
    path("<int:pk>/whistle/", views.case_whistle, name="whistle"),
    path("<int:pk>/whistle/<int:call_pk>/arrive/", views.whistle_arrive, name="arrive"),
]

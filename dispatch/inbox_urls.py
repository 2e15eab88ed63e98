from django.urls import path

from . import inbox

app_name = "inbox"

urlpatterns = [
    path("", inbox.inbox_list, name="list"),
    path("<int:pk>/read/", inbox.inbox_read, name="read"),
    path("read-all/", inbox.inbox_read_all, name="read-all"),
]

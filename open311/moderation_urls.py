"""/photo-moderation/: the staff's queue of photos (and held citizens' words) waiting before they may be
public."""

from django.urls import path

from . import moderation

app_name = "photo-moderation"
urlpatterns = [
    path("", moderation.queue, name="queue"),
    path("words/<int:pk>/", moderation.words_review, name="words-review"),
]

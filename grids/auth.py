"""The signed-in user, loaded with its reach.

Nearly every request needs both the user (authentication) and its reach (every scoped list, page and
permission check, ``grids.scope``). ``ReachBackend`` is Django's ``ModelBackend``: it loads the session's
user through the user model's manager, then its reach, both inside ``prepared_statements()`` (two key
lookups the server then plans once per connection, ``gridgov/db.py``). Requests authenticated otherwise
(API tokens, tests' ``force_authenticate``) compute the reach on first use.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router

from gridgov.db import prepared_statements

from .scope import reach


class ReachBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):  # a session holding something else than an id
            return None
        with prepared_statements(router.db_for_read(get_user_model())):
            user = super().get_user(user_id)
            if user is not None:
                reach(user)  # kept on the user object for the rest of the request
        return user

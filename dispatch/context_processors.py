"""``inbox_nav``: the unread count beside the inbox link in base.html: one indexed query, only on pages
that show it, counted up to ``UNREAD_SHOWN`` (more reads "99+")."""

from django.utils.functional import SimpleLazyObject

from .selectors import UNREAD_SHOWN, unread_count_capped


def _nav(user):
    unread = unread_count_capped(user)
    return {"unread": unread, "label": f"{UNREAD_SHOWN}+" if unread > UNREAD_SHOWN else str(unread)}


def inbox_nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_nav": {"unread": 0, "label": "0"}}
    return {"inbox_nav": SimpleLazyObject(lambda: _nav(user))}

from django.conf import settings


class ChineseByDefaultMiddleware:
    """Pages speak zh-hans unless the user picked a language with the switch (the language cookie).

    Browsers in government offices often report ``en-US``; their users still expect Chinese. API clients
    keep content negotiation through ``Accept-Language``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.path.startswith(
            ("/api/", "/open311/")
        ):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

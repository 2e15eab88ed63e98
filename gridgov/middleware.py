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


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` (settings.PERMISSIONS_POLICY: feature → allowed origins) on every answer.

    Grid workers' phones use the camera (photos) and the position (reports, arrivals, patrols) on our own
    pages; nothing here needs the microphone, payments or USB, so a script that got in cannot ask for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API answer that did not choose its own caching.

    Nearly everything past the login shows personal information (residents, reporters' names and phones,
    patrol tracks, exports) and the citizens' tracking page shows their own case: none of it may stay in a
    shared computer's browser cache or in a proxy. A view that set Cache-Control (a download marked
    ``private``, a public list that may be cached) keeps its own. Static files never get here (WhiteNoise
    answers them earlier, with their long-lived caching).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

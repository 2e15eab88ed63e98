"""The error pages: 400, 403, 404, 500 and a refused CSRF check, in the site's layout and the user's
language (Chinese by default); under /api/ each answers in the API's error shape instead.

Django calls these for what no view answered itself (``handler400`` … ``handler500`` and
``CSRF_FAILURE_VIEW``, wired in gridgov/urls.py and the settings). 400, 403, 404 and the CSRF page render
``base.html`` with the request, so a signed-in user keeps the navigation. The 500 page renders without the
request: whatever failed (the database, a context processor, the session) may fail again, so
``500.html`` is self-contained (the same top bar and stylesheets, no navigation, no query), and if even
that fails the answer is a plain page.
"""

import logging

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from rest_framework import exceptions

from .api import exception_handler

log = logging.getLogger(__name__)

PLAIN_500 = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>服务器出错</title></head>'
    "<body><h1>服务器出错</h1><p>请稍后再试；问题已记录。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


def _api(request) -> bool:
    return request.path_info.startswith("/api/")


def _api_answer(exc, status) -> JsonResponse:
    return JsonResponse(exception_handler(exc, {}).data, status=status)


def bad_request(request, exception):
    """``handler400``: a request Django refused (an unknown host, a body too big, a broken upload)."""
    if _api(request):
        return _api_answer(exceptions.ParseError(_("The request could not be read.")), 400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    """``handler403``: signed in but not allowed here; the reason the view gave, if any, is shown."""
    if _api(request):
        return _api_answer(exceptions.PermissionDenied(str(exception) or None), 403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception):
    """``handler404``: no such page, or a record outside the user's scope (the same answer for both)."""
    if _api(request):
        return _api_answer(exceptions.NotFound(), 404)
    return render(request, "404.html", status=404)


def server_error(request):
    """``handler500``: rendered without the request (see the module's note)."""
    if _api(request):
        return _api_answer(exceptions.APIException(), 500)
    try:
        body = loader.render_to_string("500.html")
    except Exception:  # the page of last resort must not fail: log why and answer the plain one
        log.exception("The 500 page could not be rendered")
        body = PLAIN_500
    return HttpResponse(body, status=500)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent from an expired page, or without the CSRF cookie."""
    if _api(request):
        return _api_answer(exceptions.PermissionDenied(_("The form's security check failed.")), 403)
    return render(request, "403_csrf.html", status=403)

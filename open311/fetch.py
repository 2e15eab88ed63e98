"""Fetching a photo an Open311 client named by media_url: only from allowed hosts, never from inside.

A URL from the internet is an invitation to make our server request something: an internal address, a
cloud metadata service, a 10 GB file. So: http(s) only, the host must be in ``OPEN311_MEDIA_HOSTS``,
every address it resolves to must be public, redirects are checked the same way, the body is cut off
past the size limit, and what arrives is then checked by content like any upload (``attachment_store``).
"""

import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .conf import setting

TIMEOUT_SECONDS = 15
# Statuses worth another try later; every other 4xx is the URL's fault and final.
TRANSIENT_STATUSES = {408, 425, 429}


class MediaRefused(Exception):
    """The URL, its host or its content will never be fetched: final, not retried."""


class MediaUnavailable(Exception):
    """The host did not deliver this time (network, timeout, 5xx): worth another attempt."""


def host_allowed(host: str) -> bool:
    host = (host or "").lower().rstrip(".")
    for allowed in setting("OPEN311_MEDIA_HOSTS"):
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def url_problem(url: str) -> str | None:
    """Why this URL is refused before any network access, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Only http and https URLs are fetched.")
    if parts.username or parts.password:
        return _("URLs with credentials are not fetched.")
    if not host_allowed(parts.hostname):
        return _("The host %(host)s is not on the list of allowed media hosts.") % {"host": parts.hostname}
    return None


def _resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_addresses(url: str) -> None:
    parts = urlsplit(url)
    try:
        addresses = _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise MediaUnavailable(_("The host could not be resolved: %(error)s") % {"error": exc}) from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise MediaRefused(_("The host resolves to a private or reserved address."))


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        problem = url_problem(newurl)
        if problem:
            raise MediaRefused(_("Redirected to a refused URL: %(problem)s") % {"problem": problem})
        check_addresses(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def _open(url: str):
    request = urllib.request.Request(
        url, headers={"User-Agent": "GridGov-Open311-media/1", "Accept": "image/*"}
    )
    return _opener.open(request, timeout=TIMEOUT_SECONDS)


def download(url: str, *, max_bytes: int) -> tuple[bytes, str]:
    """(body, file name) of an allowed image URL; raises ``MediaRefused`` or ``MediaUnavailable``."""
    problem = url_problem(url)
    if problem:
        raise MediaRefused(problem)
    check_addresses(url)
    try:
        with _open(url) as response:
            return _read_limited(response, max_bytes), urlsplit(url).path.rsplit("/", 1)[-1][-100:] or "media"
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in TRANSIENT_STATUSES:
            raise MediaUnavailable(_("The host answered %(status)s.") % {"status": exc.code}) from exc
        raise MediaRefused(_("The host answered %(status)s.") % {"status": exc.code}) from exc
    except (urllib.error.URLError, OSError) as exc:  # includes timeouts and refused connections
        raise MediaUnavailable(_("The host could not be reached: %(error)s") % {"error": exc}) from exc


def _read_limited(response, max_bytes: int) -> bytes:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type and not content_type.startswith("image/"):
        raise MediaRefused(_("The URL is not an image (%(type)s).") % {"type": content_type})
    declared = response.headers.get("Content-Length")
    too_large = _("The image is larger than %(limit)s MB.") % {"limit": round(max_bytes / 1048576, 1)}
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise MediaRefused(too_large)
    body = response.read(max_bytes + 1)  # one byte past the limit: a lying Content-Length is still caught
    if len(body) > max_bytes:
        raise MediaRefused(too_large)
    return body

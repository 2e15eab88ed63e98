"""Who must show a second factor, how long an idle session lives, and the pages that go with them.

- The district centre and superusers must verify a TOTP token (django-otp) after their password, and set
  one up on their first login; everyone else may turn it on (``/accounts/security/``), and then must too.
  ``GRIDGOV["OTP_REQUIRED"]`` turns the requirement off (the test settings do; tests of it turn it on).
- A session ends after ``GRIDGOV["SESSION_IDLE_MINUTES"]`` minutes without a request for those same
  users, ``SESSION_IDLE_MINUTES_OTHERS`` for everyone else: the last request's time is kept in the session.
- The centre lifts lockouts (django-axes for logins, ``gridgov.lockout`` for keys) at
  ``/accounts/lockouts/``.
"""

import logging

import segno
from axes.models import AccessAttempt, AccessFailureLog
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridgov.lockout import key_lockouts, key_unlock

from .models import Role
from .scope import reach

log = logging.getLogger("gridgov.security")
LAST_SEEN = "gridgov_last_seen"
# Whether the user had a confirmed device at login, kept in the session so that a request of someone
# without one costs no query (set at login, and when a device is confirmed or removed).
ENROLLED = "gridgov_otp_enrolled"
# A request refreshes the last-seen time at most this often: a session write per minute, not per request.
LAST_SEEN_RESOLUTION = 60


def privileged(user) -> bool:
    """The district centre and superusers: required second factor, the short idle time."""
    return user.is_superuser or bool(reach(user).codes([Role.DISTRICT_CENTRE]))


def otp_required(user) -> bool:
    return bool(settings.GRIDGOV.get("OTP_REQUIRED", True)) and privileged(user)


def must_verify(user, session=None) -> bool:
    """Required of the centre and superusers; and of anyone who turned it on."""
    if otp_required(user):
        return True
    if session is not None:
        if ENROLLED not in session:  # a session from before this was kept: ask once, then keep it
            session[ENROLLED] = user_has_device(user, confirmed=True)
        return session[ENROLLED]
    return user_has_device(user, confirmed=True)


@receiver(user_logged_in)
def note_enrolment(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED] = user_has_device(user, confirmed=True)


def idle_minutes(user) -> int:
    key = "SESSION_IDLE_MINUTES" if privileged(user) else "SESSION_IDLE_MINUTES_OTHERS"
    return int(settings.GRIDGOV.get(key, 30))


def _api(request) -> bool:
    return request.path.startswith("/api/")


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _api_by_key(request):
            minutes = idle_minutes(user)
            now = timezone.now().timestamp()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > minutes * 60:
                logout(request)
                if _api(request):
                    return JsonResponse(
                        {"code": "session_expired", "message": _("The session expired; log in again.")},
                        status=401,
                    )
                messages.info(
                    request, _("You were logged out after %(minutes)s idle minutes.") % {"minutes": minutes}
                )
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
                request.session.set_expiry(minutes * 60)
        return self.get_response(request)


def _api_by_key(request) -> bool:
    # A token or key request carries no session to expire.
    return _api(request) and "Authorization" in request.headers


class OTPRequiredMiddleware:
    """A signed-in user who must verify a token reaches nothing but the token page and the logout."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._open(request.path)
            and must_verify(user, request.session)
        ):
            if _api(request):
                return JsonResponse(
                    {"code": "otp_required", "message": _("Verify your second factor on the site first.")},
                    status=403,
                )
            return redirect_to_login(request.get_full_path(), login_url=reverse("otp-verify"))
        return self.get_response(request)

    def _open(self, path):
        if self.open_paths is None:
            self.open_paths = (
                reverse("otp-verify"),
                reverse("logout"),
                reverse("login"),
                reverse("set_language"),
                settings.STATIC_URL,
            )
        return path.startswith(self.open_paths)


class GridGovAdminSite(admin.AdminSite):
    """The admin, closed to a superuser (or anyone who must) until the second factor is verified.

    django-otp's ``OTPAdminSite`` asks every admin user for a token on its login form; here the password
    login is the site's and the token page is the site's, so only ``has_permission`` (public) adds the check.
    """

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and (
            user.is_verified() or not must_verify(user, request.session)
        )


# --- Pages ----------------------------------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def totp_device(user, *, create=False):
    """The user's confirmed TOTP device, else the unconfirmed one being set up (made if ``create``)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None and create:
        device = TOTPDevice.objects.create(user=user, name="GridGov", confirmed=False)
    return device


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, made here (segno): no image service sees the secret."""
    return mark_safe(
        segno.make(uri, error="m").svg_inline(scale=4, border=2)
    )  # our own SVG, no input of the user


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Verify a token, or set up the authenticator app on first use (the secret shown only until then)."""
    device = totp_device(request.user, create=True)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                request.session[ENROLLED] = True
                log.info("totp set up: %s", request.user.username)
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", _("The code is wrong or expired."))
    setup = not device.confirmed
    return render(
        request,
        "registration/otp_verify.html",
        {
            "form": form,
            "setup": setup,
            "uri": device.config_url if setup else "",
            "qr": qr_svg(device.config_url) if setup else "",
            "next": _next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request):
    """The profile's second-factor page: on, off (unless required), or set it up."""
    user = request.user
    required = otp_required(user)
    enabled = user_has_device(user, confirmed=True)
    if request.method == "POST" and request.POST.get("action") == "disable":
        if required or not user.is_verified():
            raise PermissionDenied
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        request.session[ENROLLED] = False
        messages.success(request, _("Two-factor login is off."))
        return redirect("account-security")
    return render(
        request,
        "registration/account_security.html",
        {"required": required, "enabled": enabled, "idle_minutes": idle_minutes(user)},
    )


def may_unlock(user) -> bool:
    return user.is_authenticated and privileged(user)


@login_required
@require_http_methods(["GET", "POST"])
def lockouts(request):
    """Accounts and addresses locked now (logins and keys), the recent lockouts, and unlock buttons."""
    if not may_unlock(request.user):
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        address = request.POST.get("ip_address", "").strip()
        if username:
            reset(username=username)
        if address:
            reset(ip=address)
            key_unlock(address)
        if username or address:
            log.warning("unlock by %s: username=%r address=%r", request.user.username, username, address)
            messages.success(request, _("Unlocked."))
        return redirect("lockouts")
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    # Failures count per account and per address apart, summed over rows: show every recent row.
    locked = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    history = AccessFailureLog.objects.filter(locked_out=True).order_by("-attempt_time")[:50]
    return render(
        request,
        "registration/lockouts.html",
        {"locked": locked, "keys": sorted(key_lockouts().items()), "history": history},
    )

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.accounts.forms import PreferencesForm, TwoFactorCodeForm
from lms.accounts.roles import is_staff_role
from lms.accounts.selectors import preferences_of, teams_visible_to, totp_device_of
from lms.accounts.services import preferences_update, totp_device_confirm, totp_device_start, totp_devices_remove
from lms.accounts.throttles import TOO_FAST, sign_in_allowed
from lms.http import AuthenticatedHttpRequest

User = get_user_model()

TOO_MANY_RESETS = gettext_lazy("Too many requests from your address. Wait a minute and try again.")

# A password accepted for a user with two-factor sign-in waits this long in the session for the code.
PENDING_SIGN_IN = "pathwise_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 300


@login_required
@require_GET
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own settings: sign-in, the emails they get, and their calendar address (those two
    sections are notifications', drawn by its ``notification_settings`` tag)."""
    chosen = preferences_of(request.user)
    preferences_form = PreferencesForm(initial={"language": chosen.language, "time_zone": chosen.time_zone})
    return render(request, "accounts/account.html", {
        "preferences_form": preferences_form, "two_factor_offered": is_staff_role(request.user)})


@login_required
@require_POST
def preferences_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The language and time zone chosen on the account page."""
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language and a time zone from the lists."))
        return redirect(reverse("account") + "#preferences")
    chosen = preferences_update(user=request.user, language=form.cleaned_data["language"],
                                time_zone=form.cleaned_data["time_zone"])
    with translation.override(chosen.language or translation.get_language()):
        messages.success(request, _("Your language and time zone are saved."))
    return redirect(reverse("account") + "#preferences")


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with a rate per client address (checked before the password is
    hashed; django-axes' lockout is checked by the first authentication backend) and a second
    step for users with an authenticator app."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # With passwords switched off (PATHWISE_PASSWORD_LOGIN=0) the page offers single sign-on
        # only; ?password=1 shows the form to the break-glass accounts (docs/sso.md).
        passwords_off = not settings.PATHWISE_PASSWORD_LOGIN
        hidden = passwords_off and "password" not in self.request.GET and self.request.method != "POST"
        return super().get_context_data(passwords_off=passwords_off, password_form_hidden=hidden, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sign_in_allowed(request):
            # An unbound form: rendering a bound one would validate it, and so hash the password.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, signin_refused=TOO_FAST), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if totp_device_of(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING_SIGN_IN] = {"user": user.pk, "backend": user.backend, "at": time.time()}
        return redirect(f"{reverse('login_code')}?{urlencode({'next': self.get_success_url()})}")


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's password reset, at the sign-in rate per client address, since each request may send
    an email. The page reads the same whether or not the address has an account, and a mail server
    that cannot take the email is logged by Django, not shown, for the same reason."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PATHWISE_PASSWORD_LOGIN:
            raise Http404("Passwords are switched off here: people sign in with their organisation's account")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sign_in_allowed(request):
            return self.render_to_response(self.get_context_data(form=self.get_form(), refused=TOO_MANY_RESETS),
                                           status=429)
        return super().post(request, *args, **kwargs)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _signing_in(request: HttpRequest) -> tuple[Any, str | None]:
    """Who the code is for: the user whose password was just accepted, or a signed-in user whose
    session is not verified yet (when the site requires two-factor sign-in of admins)."""
    if request.user.is_authenticated:
        return request.user, None
    pending = request.session.get(PENDING_SIGN_IN)
    if not pending or time.time() - pending["at"] > PENDING_SIGN_IN_SECONDS:
        return None, None
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending["backend"]


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    user, backend = _signing_in(request)
    device = totp_device_of(user) if user is not None else None
    if device is None:
        request.session.pop(PENDING_SIGN_IN, None)
        return redirect("login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            request.session.pop(PENDING_SIGN_IN, None)
            if not request.user.is_authenticated:
                login(request, user, backend=backend)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("code", _wrong_code_message(device))
    return render(request, "registration/login_code.html", {"form": form, "next": _safe_next(request)})


def _wrong_code_message(device: TOTPDevice) -> str:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return _("Too many wrong codes. Wait a few seconds, then enter the code your app shows now.")
    return _("That code is not right, or it has been used already. Enter the code your app shows now.")


@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in on the site's own sign-in page, so its rate limit, lockout and second
    step apply there too."""
    target = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "admin:index")
        raise PermissionDenied("Only admins may use the admin.")
    return redirect_to_login(target)


# --- Two-factor sign-in (managers and admins) ---------------------------------------------------

def _enrolment_context(request: AuthenticatedHttpRequest, form: TwoFactorCodeForm | None = None) -> dict[str, Any]:
    device = totp_device_of(request.user)
    pending = None if device else totp_device_of(request.user, confirmed=False)
    context: dict[str, Any] = {"device": device, "pending": pending, "form": form or TwoFactorCodeForm()}
    if pending is not None:
        secret = b32encode(pending.bin_key).decode()
        context.update({
            "uri": pending.config_url,
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": segno.make(pending.config_url, error="m").svg_inline(scale=4, title=_("Two-factor QR code")),
        })
    return context


def _staff_or_404(request: AuthenticatedHttpRequest) -> None:
    if not is_staff_role(request.user):
        raise Http404("Two-factor sign-in is for managers and admins")


@login_required
@require_GET
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_or_404(request)
    return render(request, "accounts/two_factor.html", _enrolment_context(request))


@login_required
@require_POST
def two_factor_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_or_404(request)
    if totp_device_of(request.user) is None:
        totp_device_start(user=request.user)
    return redirect("two_factor")


@login_required
@require_POST
def two_factor_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_or_404(request)
    pending = totp_device_of(request.user, confirmed=False)
    if pending is None:
        return redirect("two_factor")
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        if totp_device_confirm(device=pending, code=form.cleaned_data["code"]):
            otp_login(request, pending)
            messages.success(request, _("Two-factor sign-in is on: from now on signing in asks for a code from your app."))
            return redirect("two_factor")
        form.add_error("code", _wrong_code_message(pending))
    return render(request, "accounts/two_factor.html", _enrolment_context(request, form), status=400)


@login_required
@require_POST
def two_factor_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_or_404(request)
    device = totp_device_of(request.user)
    if device is None:
        return redirect("two_factor")
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            totp_devices_remove(user=request.user)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor")
        form.add_error("code", _wrong_code_message(device))
    return render(request, "accounts/two_factor.html", _enrolment_context(request, form), status=400)


# --- Teams --------------------------------------------------------------------------------------


@login_required
@require_GET
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_staff_role(request.user):
        raise Http404("No teams")
    teams = teams_visible_to(request.user).prefetch_related("members", "managers")
    return render(request, "accounts/team_list.html", {"teams": teams})

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
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from adaptive.models import Assignment
from adaptive.services import assignment_create
from lms.accounts.forms import AssignmentForm, TwoFactorCodeForm
from lms.accounts.roles import is_staff_role
from lms.accounts.selectors import teams_visible_to, totp_device_of
from lms.accounts.services import totp_device_confirm, totp_device_start, totp_devices_remove
from lms.accounts.throttles import TOO_FAST, SignInRateThrottle
from lms.learning.models import Enrollment

User = get_user_model()

# A password accepted for a user with two-factor sign-in waits this long in the session for the code.
PENDING_SIGN_IN = "pathwise_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 300


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with a rate per client address (checked before the password is
    hashed; django-axes' lockout is checked by the first authentication backend) and a second
    step for users with an authenticator app."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not SignInRateThrottle().allow_request(request, self):
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
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes. Wait a few seconds, then enter the code your app shows now."
    return "That code is not right, or it has been used already. Enter the code your app shows now."


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

def _enrolment_context(request: HttpRequest, form: TwoFactorCodeForm | None = None) -> dict[str, Any]:
    device = totp_device_of(request.user)
    pending = None if device else totp_device_of(request.user, confirmed=False)
    context: dict[str, Any] = {"device": device, "pending": pending, "form": form or TwoFactorCodeForm()}
    if pending is not None:
        secret = b32encode(pending.bin_key).decode()
        context.update({
            "uri": pending.config_url,
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": segno.make(pending.config_url, error="m").svg_inline(scale=4, title="Two-factor QR code"),
        })
    return context


def _staff_or_404(request: HttpRequest) -> None:
    if not is_staff_role(request.user):
        raise Http404("Two-factor sign-in is for managers and admins")


@login_required
@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    return render(request, "accounts/two_factor.html", _enrolment_context(request))


@login_required
@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    if totp_device_of(request.user) is None:
        totp_device_start(user=request.user)
    return redirect("two_factor")


@login_required
@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    pending = totp_device_of(request.user, confirmed=False)
    if pending is None:
        return redirect("two_factor")
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        if totp_device_confirm(device=pending, code=form.cleaned_data["code"]):
            otp_login(request, pending)
            messages.success(request, "Two-factor sign-in is on: from now on signing in asks for a code from your app.")
            return redirect("two_factor")
        form.add_error("code", _wrong_code_message(pending))
    return render(request, "accounts/two_factor.html", _enrolment_context(request, form), status=400)


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    device = totp_device_of(request.user)
    if device is None:
        return redirect("two_factor")
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            totp_devices_remove(user=request.user)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two_factor")
        form.add_error("code", _wrong_code_message(device))
    return render(request, "accounts/two_factor.html", _enrolment_context(request, form), status=400)


# --- Teams --------------------------------------------------------------------------------------


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    if not is_staff_role(request.user):
        raise Http404("No teams")
    teams = teams_visible_to(request.user).prefetch_related("members", "managers")
    return render(request, "accounts/team_list.html", {"teams": teams})


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), slug=slug)
    form = AssignmentForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assignment_create(module=data["module"], assigned_by=request.user, learner=data["learner"],
                          team=None if data["learner"] else team, due=data["due"])
        who = data["learner"].get_username() if data["learner"] else f"the whole {team.name} team"
        messages.success(request, f"{data['module'].title} is assigned to {who}.")
        return redirect("team_detail", slug=team.slug)
    members = list(team.members.order_by("username"))
    enrollments = Enrollment.objects.filter(user__in=members).select_related("course", "user")
    by_user: dict[int, list[Enrollment]] = {}
    for e in enrollments:
        by_user.setdefault(e.user_id, []).append(e)
    rows = [{"member": m, "enrollments": by_user.get(m.pk, [])} for m in members]
    assignments = Assignment.objects.filter(Q(team=team) | Q(learner__in=members)).select_related(
        "module__course", "learner", "team").order_by("due", "created")
    return render(request, "accounts/team_detail.html",
                  {"team": team, "rows": rows, "form": form, "assignments": assignments})

"""The tool's endpoints: its public keys, the OIDC login initiation, the launch, and the page where a
teacher picks what to place in the platform (deep linking).

The login initiation and the launch are cross-site requests from the platform: they carry no CSRF
token and are exempt from the check; the launch is proved by the platform's signed id_token instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pylti1p3.exception import LtiException, OIDCException

from lms.http import AuthenticatedHttpRequest
from lms.lti import tool
from lms.lti.claims import section
from lms.lti.forms import DeepLinkChoiceForm
from lms.lti.middleware import FRAME_ORIGINS_SESSION_KEY
from lms.lti.selectors import courses_to_link
from lms.lti.services import LaunchRefused, deep_link_jwt, launch_accept
from lms.lti.tasks import send_grade, sync_roster
from lms.queueing import publish

DEEP_LINK_SESSION_KEY = "lti_deep_link_launch"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# pylti1p3's reasons, in words a person can act on.
REASONS = (
    ("state", gettext_lazy("This launch did not come through Pathwise's sign-in step, or took too long. "
              "Open Pathwise again from your learning platform.")),
    ("registration", gettext_lazy("This learning platform (or this client ID) is not registered in Pathwise.")),
    ("client id", gettext_lazy("This learning platform (or this client ID) is not registered in Pathwise.")),
    ("expired", gettext_lazy("The launch has expired. Open Pathwise again from your learning platform.")),
    ("signature", gettext_lazy("The launch's signature could not be verified with the platform's keys.")),
    ("public key", gettext_lazy("The launch's signature could not be verified with the platform's keys.")),
    ("kid", gettext_lazy("The launch's signature could not be verified with the platform's keys.")),
    ("deployment", gettext_lazy("This deployment of Pathwise in the platform is not registered in Pathwise.")),
    ("nonce", gettext_lazy("The launch's one-time code is unknown or was used already. Open Pathwise again from your "
              "learning platform.")),
)


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    for needle, words in REASONS:
        if needle in text:
            return str(words)
    return _("The launch could not be checked. Open Pathwise again from your learning platform.")


def _refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    response = render(request, "lti/refused.html", {"reason": reason}, status=status)
    # A page with nothing to click on: any platform may show it in its frame, so the person sees why.
    response._csp_replace = {"frame-ancestors": ["*"]}  # type: ignore[attr-defined]  # django-csp reads it
    response.xframe_options_exempt = True
    return response


def _session_backend() -> str:
    """The backend that reads the signed-in user back from the session: the platform vouched for who
    they are, so no password backend is asked (django-axes' lockout backend only refuses)."""
    return next(backend for backend in settings.AUTHENTICATION_BACKENDS if not backend.startswith("axes."))


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, which platforms use to check what Pathwise signs."""
    return JsonResponse(tool.tool_jwks())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    if not params.get("iss") or not params.get("login_hint") or not params.get("target_link_uri"):
        return _refused(request, _("The platform's sign-in request lacks iss, login_hint or target_link_uri."), 400)
    oidc, _response = tool.oidc_login(request)
    try:
        return oidc.redirect(settings.PATHWISE_SITE_URL + reverse("lti_launch"))
    except (OIDCException, LtiException):
        return _refused(request, _("This learning platform (or this client ID) is not registered in Pathwise."))


@csrf_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    if not request.POST.get("id_token") or not request.POST.get("state"):
        return _refused(request, _("The launch lacks its id_token or state."), 400)
    try:
        message_launch, conf = tool.message_launch(request)
        message_launch.validate()
        launch_claims = dict(message_launch.get_launch_data())
    except (LtiException, OIDCException) as exc:
        return _refused(request, _reason(exc))
    platform = conf.platform
    if platform is None:  # validate() found it, so this cannot happen; refuse rather than guess
        return _refused(request, _("This learning platform is not registered in Pathwise."))
    try:
        result = launch_accept(platform=platform, launch_claims=launch_claims, launch=message_launch)
    except LaunchRefused as exc:
        return _refused(request, str(exc))
    login(request, result.user, backend=_session_backend())
    request.session[FRAME_ORIGINS_SESSION_KEY] = platform.frame_origin_list()
    if result.grade_link_id is not None:
        publish(send_grade, result.grade_link_id)
    if result.context_id is not None:
        publish(sync_roster, result.context_id)
    if message_launch.is_deep_link_launch():
        request.session[DEEP_LINK_SESSION_KEY] = message_launch.get_launch_id()
        return redirect("lti_deep_link")
    if result.module is not None:
        return redirect("module", course_slug=result.course.slug, module_slug=result.module.slug)  # type: ignore[union-attr]
    if result.course is not None:
        return redirect("course", slug=result.course.slug)
    return redirect("dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A teacher, launched from the platform to add content, picks a course or module; the platform
    gets it back as a signed LtiDeepLinkingResponse."""
    launch_id = request.session.get(DEEP_LINK_SESSION_KEY)
    if not launch_id:
        return _refused(request, _("There is nothing to add: start from “Add Pathwise content” in your learning "
                                   "platform."), 400)
    try:
        message_launch = tool.message_launch_restored(request, launch_id)
        return_url = str(section(dict(message_launch.get_launch_data()), DEEP_LINKING_SETTINGS)
                         .get("deep_link_return_url") or "")
    except LtiException:
        return _refused(request, _("This request to add content has expired. Start again from your learning "
                                   "platform."), 400)
    courses = list(courses_to_link())
    form = DeepLinkChoiceForm(request.POST or None, courses=courses)
    if request.method == "POST" and form.is_valid():
        course, module = form.chosen()
        token = deep_link_jwt(launch=message_launch, course=course, module=module, site_url=settings.PATHWISE_SITE_URL)
        del request.session[DEEP_LINK_SESSION_KEY]
        response = render(request, "lti/deep_link_return.html",
                          {"return_url": return_url, "jwt": token, "title": form.chosen_title()})
        parts = urlsplit(return_url)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
        return response
    return render(request, "lti/deep_link.html", {"form": form, "courses": courses},
                  status=422 if request.method == "POST" else 200)

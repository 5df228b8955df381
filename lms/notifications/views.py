from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lms.http import AuthenticatedHttpRequest
from lms.notifications.calendars import due_dates_calendar
from lms.notifications.emails import TOPIC_NAMES, read_unsubscribe_token
from lms.notifications.forms import EmailSettingsForm
from lms.notifications.selectors import calendar_feed_by_token, email_settings_of
from lms.notifications.services import calendar_feed_renew, calendar_feed_revoke, email_settings_update

User = get_user_model()


def _account(anchor: str) -> HttpResponse:
    return redirect(f"{reverse('account')}#{anchor}")


@login_required
@require_POST
def email_settings_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    manages = request.user.managed_teams.exists()
    form = EmailSettingsForm(request.POST, manages_teams=manages)
    form.is_valid()  # two check boxes: an unticked or missing box is "off", never an error
    email_settings_update(user=request.user, assignments=form.cleaned_data["assignments"],
                          team_digest=form.cleaned_data.get("team_digest") if manages else None)
    messages.success(request, _("Your email settings are saved."))
    return _account("email")


@login_required
@require_POST
def calendar_feed_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    calendar_feed_renew(user=request.user)
    messages.success(request, _("Your calendar address is ready. Any earlier address no longer works."))
    return _account("calendar")


@login_required
@require_POST
def calendar_feed_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _("Your calendar address is turned off: calendar apps can no longer read it."))
    return _account("calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed is read by calendar apps, which cannot sign in: the secret address is the key."""
    feed = calendar_feed_by_token(token)
    if feed is None:
        raise Http404("No calendar at this address")
    response = HttpResponse(due_dates_calendar(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pathwise-due-dates.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


# Mail providers post to the List-Unsubscribe address without a session or a CSRF token (RFC 8058);
# the signed token in the address is what authorises the change.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A GET only shows the button (link checkers in mail systems open links); the POST turns the
    email off."""
    found = read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if found is None or user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    topic = found[1]
    done = request.method == "POST"
    if done:
        email_settings_update(user=user, **{topic: False})
    return render(request, "notifications/unsubscribe.html", {
        "topic_name": TOPIC_NAMES[topic], "done": done,
        "already_off": not getattr(email_settings_of(user), topic), "token": token})

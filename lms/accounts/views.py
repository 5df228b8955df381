from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from adaptive.models import Assignment
from adaptive.services import assignment_create
from lms.accounts.forms import AssignmentForm

from lms.accounts.roles import is_staff_role
from lms.accounts.selectors import teams_visible_to
from lms.learning.models import Enrollment


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

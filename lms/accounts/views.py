from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

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
@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), slug=slug)
    members = list(team.members.order_by("username"))
    enrollments = Enrollment.objects.filter(user__in=members).select_related("course", "user")
    by_user: dict[int, list[Enrollment]] = {}
    for e in enrollments:
        by_user.setdefault(e.user_id, []).append(e)
    rows = [{"member": m, "enrollments": by_user.get(m.pk, [])} for m in members]
    return render(request, "accounts/team_detail.html", {"team": team, "rows": rows})

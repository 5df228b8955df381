"""A team's page: its members with paging, search by name and sorting, each name leading to the
learner's dashboard, and assigning a module to the learners ticked or to the whole team."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from adaptive.models import Assignment, LearnerState
from adaptive.services import AssignmentNotAllowed, assignment_create, assignments_create
from lms.accounts.models import Team
from lms.accounts.selectors import teams_visible_to
from lms.analytics.forms import TeamAssignmentForm
from lms.content.selectors import course_skills
from lms.http import AuthenticatedHttpRequest
from lms.learning.models import Enrollment
from lms.notifications.selectors import overdue_in_team
from lms.notifications.tasks import send_assignment_emails
from lms.queueing import publish_on_commit

MEMBERS_PER_PAGE = 25
# Each sort's first direction: the one a manager looks for first (who was away longest, who is
# lowest, who has most overdue).
SORTS = {"name": "asc", "last_active": "asc", "mastery": "asc", "overdue": "desc"}
SORT_NAMES = {"name": _("name"), "last_active": _("last active"), "mastery": _("estimated mastery"), "overdue": _("overdue")}


@dataclass
class MemberRow:
    member: Any
    enrollments: list[Enrollment] = field(default_factory=list)
    last_active: datetime | None = None
    mastery: float | None = None
    overdue: int = 0

    @property
    def name(self) -> str:
        return self.member.get_full_name() or self.member.get_username()


def _member_rows(team: Team, now: datetime) -> list[MemberRow]:
    """One row per member: enrolments, last answer, estimated mastery (the mean of the learner
    model's estimates over the skills of their courses) and assigned modules overdue at ``now``
    (each member's due dates end at midnight in their own zone)."""
    rows = {m.pk: MemberRow(m) for m in team.members.all()}
    enrollments = list(Enrollment.objects.filter(user_id__in=rows).select_related("course").order_by("course__title"))
    skills = {c.pk: [s.slug for s in course_skills(c)] for c in {e.course for e in enrollments}}
    states = dict(LearnerState.objects.filter(user_id__in=rows).values_list("user_id", "mastery"))
    for e in enrollments:
        row = rows[e.user_id]
        row.enrollments.append(e)
        if e.last_activity and (row.last_active is None or e.last_activity > row.last_active):
            row.last_active = e.last_activity
    for row in rows.values():
        mastery = states.get(row.member.pk) or {}
        values = [float(mastery[s]) for s in {s for e in row.enrollments for s in skills[e.course_id]} if s in mastery]
        row.mastery = sum(values) / len(values) if values else None
    for due in overdue_in_team(team, now):
        if due.learner.pk in rows:
            rows[due.learner.pk].overdue += 1
    return list(rows.values())


def _name_key(name: str) -> list[Any]:
    """"Learner 2" before "Learner 10": numbers in names compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name.casefold())]


def _sorted(rows: list[MemberRow], sort: str, descending: bool) -> list[MemberRow]:
    """Sorted by ``sort``; rows without a value (never active, not estimated yet) always last."""
    rows = sorted(rows, key=lambda r: _name_key(r.name))
    if sort == "name":
        return rows[::-1] if descending else rows
    values = {"last_active": lambda r: r.last_active, "mastery": lambda r: r.mastery, "overdue": lambda r: r.overdue}
    key = values[sort]
    known = sorted((r for r in rows if key(r) is not None), key=key, reverse=descending)
    return known + [r for r in rows if key(r) is None]


def _query(request: AuthenticatedHttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return f"?{params.urlencode()}" if params else "?"


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(teams_visible_to(request.user), slug=slug)
    form = TeamAssignmentForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        module, due = form.cleaned_data["module"], form.cleaned_data["due"]
        learners = form.chosen_learners()
        try:
            if learners:
                assignments = assignments_create(module=module, assigned_by=request.user, learners=learners, due=due)
                who = learners[0].get_full_name() or learners[0].get_username() if len(learners) == 1 \
                    else ngettext("%(count)d learner", "%(count)d learners", len(learners)) % {"count": len(learners)}
            else:
                assignments = [assignment_create(module=module, assigned_by=request.user, team=team, due=due)]
                who = gettext("the whole %(team)s team") % {"team": team.name}
        except AssignmentNotAllowed as exc:
            form.add_error(None, gettext("Nothing was assigned: %(why)s.") % {"why": exc})
        else:
            for assignment in assignments:
                publish_on_commit(send_assignment_emails, assignment.pk)  # the learners hear of it by email
            if due:
                messages.success(request, gettext("%(module)s is assigned to %(who)s, due %(due)s.") % {
                    "module": module.title, "who": who, "due": date_format(due, "j M Y")})
            else:
                messages.success(request, gettext("%(module)s is assigned to %(who)s.") % {"module": module.title, "who": who})
            return redirect(reverse("team_detail", args=[team.slug]) + _query(request))

    query = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    direction = request.GET.get("dir", SORTS[sort])
    descending = direction == "desc"
    rows = _member_rows(team, timezone.now())
    total = len(rows)
    if query:
        rows = [r for r in rows if query.casefold() in f"{r.name} {r.member.get_username()}".casefold()]
    page = Paginator(_sorted(rows, sort, descending), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    headers = [{"key": key, "label": label, "current": key == sort,
                "aria_sort": ("descending" if descending else "ascending") if key == sort else None,
                "link": _query(request, sort=key, dir=("asc" if descending else "desc") if key == sort else SORTS[key])}
               for key, label in [("name", gettext("Learner")), ("last_active", gettext("Last active")),
                                  ("mastery", gettext("Estimated mastery")), ("overdue", gettext("Overdue"))]]
    members = team.members.all()
    listed = Assignment.objects.filter(Q(team=team) | Q(learner__in=members)).select_related(
        "module__course", "learner", "team").order_by("due", "created")
    ticked = set(request.POST.getlist("learners")) if request.method == "POST" else set()
    context = {
        "team": team, "form": form, "page": page, "total": total, "found": len(rows), "query": query, "sort": sort,
        "sort_name": SORT_NAMES[sort], "descending": descending, "headers": headers, "ticked": ticked,
        "assignments": listed,
        "previous_link": _query(request, page=page.previous_page_number()) if page.has_previous() else None,
        "next_link": _query(request, page=page.next_page_number()) if page.has_next() else None,
    }
    return render(request, "accounts/team_detail.html", context, status=400 if form.errors else 200)

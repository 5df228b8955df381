"""The dashboards for managers and admins. Every view starts from :func:`_scope`, which turns away
learners and anything outside the viewer's teams with a 404; with htmx, a view answers with the
page's ``report`` partial only. ``?format=csv&table=<name>`` exports a table in full."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from adaptive.models import Assignment, Decision, ModelVersion, TrainingRun
from adaptive.services import AssignmentNotAllowed, assignment_create
from lms.accounts.roles import is_admin, is_staff_role
from lms.accounts.selectors import learners_visible_to, teams_visible_to
from lms.analytics import selectors
from lms.analytics.charts import Series, line_chart, mastery_class, nice_max
from lms.analytics.forms import CoachNoteForm, FilterForm, LearnerAssignForm, LearnerMessageForm
from lms.analytics.models import CoachNote, ModelHealthCheck
from lms.analytics.selectors import Scope
from lms.analytics.services import coach_note_create
from lms.content.models import Module, Skill
from lms.http import AuthenticatedHttpRequest
from lms.learning.models import Response
from lms.notifications.services import MessageNotAllowed, learner_message_create
from lms.notifications.tasks import send_assignment_emails, send_email
from lms.queueing import publish_on_commit

User = get_user_model()
PAGE_SIZE = 50
TRAJECTORY_SKILLS = 8  # more lines than this cannot be told apart in one chart

Table = tuple[Sequence[str], Iterable[Sequence[Any]]]


def _scope(request: AuthenticatedHttpRequest) -> tuple[Scope, FilterForm]:
    """The viewer's scope and filters; 404 for learners, and for a team or learner outside it."""
    if not is_staff_role(request.user):
        raise Http404("No dashboards")
    teams = teams_visible_to(request.user)
    team_slug = request.GET.get("team")
    if team_slug and not teams.filter(slug=team_slug).exists():
        raise Http404("No such team")
    scope = Scope(viewer=request.user, teams=teams)
    learner = request.GET.get("learner")
    if learner:
        if not learner.isdigit() or not _visible_learners(request).filter(pk=int(learner)).exists():
            raise Http404("No such learner")
        scope.learner_id = int(learner)
    form = FilterForm(request.GET or None, teams=teams)
    if form.is_bound:
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        scope.team, scope.course = data.get("team"), data.get("course")
        if "__all__" not in form.errors:
            scope.start, scope.end = data.get("start"), data.get("end")
    return scope, form


def _visible_learners(request: AuthenticatedHttpRequest) -> Any:
    """Learners the viewer may open: admins everyone, managers their teams' members (not themselves)."""
    visible = learners_visible_to(request.user)
    return visible if is_admin(request.user) else visible.exclude(pk=request.user.pk)


def _page(request: AuthenticatedHttpRequest, items: Any, param: str = "page", size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get(param))


def _render(request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        template += "#report"
    context.setdefault("as_of", selectors.as_of())
    return render(request, template, context)


def _csv_response(request: AuthenticatedHttpRequest, name: str, tables: dict[str, Callable[[], Table]]) -> HttpResponse | None:
    """The CSV of the requested table, or None when the request is not a CSV export."""
    if request.GET.get("format") != "csv":
        return None
    table = request.GET.get("table", next(iter(tables)))
    if table not in tables:
        raise Http404("No such table")
    headers, rows = tables[table]()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{table}.csv"'
    writer = csv.writer(response)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# ----- 0. this week ------------------------------------------------------------------------------
WEEK_MORE = 50  # "show more" lists this many at most; the at-risk table has the rest


@login_required
@require_GET
def this_week(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who needs help this week: a short ranked list, each with the skill, why, and one action."""
    scope, form = _scope(request)
    ranked = [c for c in selectors.this_week(scope) if c.stats.user_id != request.user.pk]
    more = request.GET.get("more") == "1"
    rows = ranked[:WEEK_MORE if more else selectors.SHORT_LIST]
    modules: dict[int, list[Module]] = {}
    for m in Module.objects.filter(course__in={c.course for c in rows}, course__published=True).order_by("order", "id"):
        modules.setdefault(m.course_id, []).append(m)
    context = {"form": form, "scope": scope, "page_name": "week", "rows": rows, "total": len(ranked),
               "more": more, "hidden": max(0, len(ranked) - len(rows)), "modules": modules,
               "learners": scope.enrolments(dated=False).values("user_id").distinct().count(),
               "today": timezone.localdate()}
    return _render(request, "analytics/week.html", context)


def _back_to(request: AuthenticatedHttpRequest, person: Any) -> str:
    """Where an action returns to: the This week page it was taken from, or the learner's page."""
    if request.POST.get("back") == "week":
        return reverse("analytics_week")
    return reverse("analytics_learner", args=[person.pk])


def _action_refused(request: AuthenticatedHttpRequest, person: Any, title: str, form: Any) -> HttpResponse:
    return render(request, "analytics/learner_action_error.html",
                  {"person": person, "title": title, "form": form, "back": _back_to(request, person)}, status=400)


@login_required
@require_POST
def learner_assign(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _learner_for(request, user_id)
    form = LearnerAssignForm(request.POST)
    if form.is_valid():
        module, due = form.cleaned_data["module"], form.cleaned_data["due"]
        try:
            assignment = assignment_create(module=module, assigned_by=request.user, learner=person, due=due)
        except AssignmentNotAllowed as exc:
            form.add_error(None, f"{str(exc).capitalize()}.")
        else:
            publish_on_commit(send_assignment_emails, assignment.pk)  # the learner hears of it by email
            names = {"module": module.title, "who": person.get_full_name() or person.get_username()}
            if due:
                messages.success(request, _("%(module)s is assigned to %(who)s, due %(due)s.") % {
                    **names, "due": date_format(due, "j M")})
            else:
                messages.success(request, _("%(module)s is assigned to %(who)s.") % names)
            return redirect(_back_to(request, person))
    return _action_refused(request, person, _("Assign a module"), form)


@login_required
@require_POST
def learner_message(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _learner_for(request, user_id)
    form = LearnerMessageForm(request.POST)
    if form.is_valid():
        try:
            email = learner_message_create(sender=request.user, learner=person, text=form.cleaned_data["text"])
        except MessageNotAllowed as exc:
            form.add_error(None, f"{str(exc).capitalize()}.")
        else:
            publish_on_commit(send_email, email.pk)
            messages.success(request, _("Message sent to %(name)s.") % {"name": person.get_full_name() or person.get_username()})
            return redirect(_back_to(request, person))
    return _action_refused(request, person, _("Send a message"), form)


# ----- 1. overview -------------------------------------------------------------------------------
@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)

    def daily() -> Table:
        return (["day", "active_learners", "answers", "share_correct", "completions_so_far"],
                ([r["day"], r["active"], r["answers"], _r(r["correct_share"]), r["completions"]]
                 for r in selectors.daily_progress(scope)))

    def teams() -> Table:
        return (["team", "enrolments", "completed", "completion_rate", "average_predicted_mastery", "active_7_days"],
                ([r["team"].name, r["enrolments"], r["completed"], _r(r["completion_rate"]), _r(r["mastery_avg"]),
                  r["active_7"]] for r in selectors.team_rows(scope)))

    if (csv_response := _csv_response(request, "overview", {"daily": daily, "teams": teams})) is not None:
        return csv_response
    days = selectors.daily_progress(scope)
    top = max([1] + [max(r["active"], r["completions"]) for r in days])
    step = max(1, len(days) // 6)
    weekly = bool(days and days[0]["weekly"])
    chart = line_chart(
        title=_("Learners active per week and courses completed so far") if weekly else
        _("Learners active per day and courses completed so far"),
        series=[Series(_("Learners active"), [(i, r["active"]) for i, r in enumerate(days)]),  # per day or week
                Series(_("Courses completed (total)"), [(i, r["completions"]) for i, r in enumerate(days)])],
        x_min=0, x_max=max(1, len(days) - 1), y_max=nice_max(top),
        x_ticks=[(i, date_format(days[i]["day"], "d M")) for i in range(0, len(days), step)],
        x_label=_("Week") if weekly else _("Day"), y_label=_("Learners"), markers=False,
    )
    context = {"form": form, "scope": scope, "page_name": "overview", "summary": selectors.overview(scope),
               "days": days, "chart": chart, "teams": selectors.team_rows(scope)}
    return _render(request, "analytics/overview.html", context)


# ----- 2. heatmap --------------------------------------------------------------------------------
@login_required
@require_GET
def heatmap(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    course = selectors.default_course(scope)
    skills = selectors.course_skills(course) if course else []
    slugs = [s.slug for s in skills]
    sort = request.GET.get("sort", "name")
    if sort not in selectors.HEATMAP_SORTS and sort not in slugs:
        sort = "name"
    descending = request.GET.get("dir") == "desc"

    def cells() -> Table:
        rows = selectors.heatmap_rows(scope, course, sort, descending) if course else []
        return (["learner", "name", "average", *slugs],
                ([r.user.get_username(), r.user.get_full_name(), _r(r.mastery_avg),
                  *[_r(r.mastery.get(s)) for s in slugs]] for r in rows))

    if (csv_response := _csv_response(request, "heatmap", {"mastery": cells})) is not None:
        return csv_response
    page = _page(request, selectors.heatmap_rows(scope, course, sort, descending) if course else [])
    rows = [{"stats": r, "cells": [(s, r.mastery.get(s.slug), mastery_class(r.mastery.get(s.slug))) for s in skills],
             "avg_class": mastery_class(r.mastery_avg)} for r in page]
    context = {"form": form, "scope": scope, "page_name": "heatmap", "course": course, "skills": skills,
               "page": page, "rows": rows, "sort": sort, "descending": descending,
               "threshold": course.mastery_threshold if course else None,
               # The heatmap's columns are one course's skills: with no course chosen, say which one it shows.
               "one_course_note": course is not None and scope.course is None}
    return _render(request, "analytics/heatmap.html", context)


# ----- 3. learner drill-down -------------------------------------------------------------------------
def _learner_for(request: AuthenticatedHttpRequest, user_id: int) -> Any:
    if not is_staff_role(request.user):
        raise Http404("No dashboards")
    return get_object_or_404(_visible_learners(request), pk=user_id)


@login_required
@require_GET
def learner(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _learner_for(request, user_id)
    scope, form = _scope(request)
    stats_rows = list(selectors.EnrollmentStats.objects.filter(user=person).select_related("course")
                      .order_by("-enrolled_at"))
    courses = [scope.course] if scope.course else [r.course for r in stats_rows]
    skill_objs = {s.slug: s for c in courses for s in selectors.course_skills(c)}
    slugs = sorted(skill_objs)[:TRAJECTORY_SKILLS]
    trajectory = selectors.mastery_trajectory(person.pk, slugs)
    responses = Response.objects.filter(user=person).select_related("question", "module", "course").order_by("-created", "-id")
    if scope.course:
        responses = responses.filter(course=scope.course)
    decisions = (Decision.objects.filter(user=person).select_related("question", "module", "course", "model_version")
                 .order_by("-created", "-id"))

    def trajectory_table() -> Table:
        points = trajectory["points"] if trajectory else []
        return (["answer", "at", *slugs], ([p["n"], p["at"], *[p[s] for s in slugs]] for p in points))

    def responses_table() -> Table:
        return (["at", "course", "module", "question", "correct", "score", "attempt", "time_ms"],
                ([r.created.isoformat(), r.course.slug, r.module.slug, r.question.key, int(r.is_correct), r.score,
                  r.attempt_number, r.time_taken_ms] for r in responses.iterator()))

    def decisions_table() -> Table:
        return (["at", "course", "kind", "decision", "question", "module", "stop", "reason", "model", "source"],
                ([d.created.isoformat(), d.course.slug, d.kind, d.decision_kind, d.question.key if d.question else "",
                  d.module.slug if d.module else "", d.stop, d.reason, str(d.model_version or ""), d.source]
                 for d in decisions.iterator()))

    tables = {"trajectory": trajectory_table, "responses": responses_table, "decisions": decisions_table}
    if (csv_response := _csv_response(request, f"learner-{person.pk}", tables)) is not None:
        return csv_response
    charts: list[dict[str, Any]] = []
    sampled: list[dict[str, Any]] = []
    if trajectory and len(trajectory["points"]) > 1:
        points = trajectory["points"]
        threshold = min((c.mastery_threshold for c in courses), default=0.85)
        # One small chart per skill on the same axes (small multiples): eight lines in one chart cannot be told apart.
        charts = [{
            "name": skill_objs[s].name, "latest": points[-1][s], "mastered": points[-1][s] >= threshold,
            "chart": line_chart(
                title=_("%(skill)s: predicted mastery after each answer") % {"skill": skill_objs[s].name},
                series=[Series(skill_objs[s].name, [(p["n"], p[s]) for p in points])],
                x_min=0, x_max=len(points) - 1, x_label=_("Answers so far"), y_percent=True, width=320, height=170,
                reference=[(threshold, _("mastery %(percent)s%%") % {"percent": round(threshold * 100)})],
            ),
        } for s in slugs]
        step = max(1, (len(points) - 1) // 8)
        sampled = points[::step] if points[-1] in points[::step] else [*points[::step], points[-1]]
    teams = selectors.learner_teams(person.pk)
    assignments = (Assignment.objects.filter(Q(learner=person) | Q(team__in=teams))
                   .select_related("module__course", "team", "assigned_by").order_by("due", "created"))
    context = {
        "form": form, "scope": scope, "page_name": "learner", "person": person, "teams": teams,
        "stats_rows": stats_rows, "slugs": slugs, "skill_objs": skill_objs, "trajectory": trajectory,
        "charts": charts, "sampled": sampled, "skills_left_out": max(0, len(skill_objs) - len(slugs)), "responses": _page(request, responses, "page", 25),
        "decisions": _page(request, decisions, "dpage", 20), "assignments": assignments,
        "notes": CoachNote.objects.filter(learner=person).select_related("author")[:50],
        "note_form": CoachNoteForm(),
    }
    return _render(request, "analytics/learner.html", context)


@login_required
@require_POST
def learner_note_add(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = _learner_for(request, user_id)
    form = CoachNoteForm(request.POST)
    if form.is_valid():
        coach_note_create(learner=person, author=request.user, text=form.cleaned_data["text"])
        if request.POST.get("back") == "week":
            messages.success(request, _("Note saved on %(name)s.") % {"name": person.get_full_name() or person.get_username()})
            return redirect("analytics_week")
        if not request.htmx:
            messages.success(request, _("Note saved."))
            return redirect(reverse("analytics_learner", args=[person.pk]) + "#notes")
        form = CoachNoteForm()
    context = {"person": person, "note_form": form,
               "notes": CoachNote.objects.filter(learner=person).select_related("author")[:50]}
    if request.htmx:
        return render(request, "analytics/learner.html#notes", context)
    return render(request, "analytics/learner_note_error.html", context, status=400)


# ----- 4. at risk --------------------------------------------------------------------------------
@login_required
@require_GET
def at_risk(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    now = timezone.now()
    rows_qs = selectors.at_risk(scope, now)

    def flagged() -> Table:
        return (["learner", "course", "enrolled", "answers", "predicted_mastery", "last_answer", "reasons"],
                ([r.user.get_username(), r.course.slug, timezone.localdate(r.enrolled_at), r.responses, _r(r.mastery_avg),
                  timezone.localtime(r.last_activity).isoformat() if r.last_activity else "", " ".join(selectors.risk_reasons(r, now))]
                 for r in rows_qs.iterator()))

    if (csv_response := _csv_response(request, "at-risk", {"learners": flagged})) is not None:
        return csv_response
    context: dict[str, Any] = {"form": form, "scope": scope, "page_name": "at_risk", "flagged": rows_qs.count()}
    if request.GET.get("view") == "all":  # every flagged enrolment, with the detailed reasons
        page = _page(request, rows_qs)
        context.update(full=True, page=page, rows=[{"stats": r, "reasons": selectors.risk_reasons(r, now)} for r in page])
    else:  # the few who most need help, ranked, in plain words
        ranked = [c for c in selectors.concerns(scope, now) if c.stats.user_id != request.user.pk]
        context.update(full=False, short=selectors.short_list(ranked), ranked=len(ranked))
    return _render(request, "analytics/at_risk.html", context)


# ----- 5. content quality ----------------------------------------------------------------------------
@login_required
@require_GET
def content_quality(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    course = selectors.default_course(scope)
    sort = request.GET.get("sort", "flags")
    rows = selectors.question_rows(course, sort) if course else []
    curves = selectors.skill_curves(course) if course else []

    def questions() -> Table:
        return (["question", "attempts", "first_attempts", "facility", "discrimination", "model_difficulty",
                 "author_difficulty", "flags"],
                ([r["question"].key, r["stats"].attempts, r["stats"].first_attempts, _r(r["stats"].facility),
                  _r(r["stats"].discrimination), _r(r["stats"].model_difficulty), r["question"].difficulty,
                  "; ".join(r["flags"])] for r in rows))

    def curve_points() -> Table:
        return (["skill", "opportunity", "attempts", "errors", "error_rate", "slope", "p_value", "flat"],
                ([c.skill, p["opportunity"], p["attempts"], p["errors"], _r(p["errors"] / p["attempts"]),
                  _r(c.slope), _r(c.p_value), int(c.flat)] for c in curves for p in c.points))

    if (csv_response := _csv_response(request, "content", {"questions": questions, "curves": curve_points})) is not None:
        return csv_response
    names = dict(Skill.objects.filter(slug__in=[c.skill for c in curves]).values_list("slug", "name"))
    curve_charts = [
        {"curve": c, "name": names.get(c.skill, c.skill), "chart": line_chart(
            title=_("Error rate by practice opportunity: %(skill)s") % {"skill": names.get(c.skill, c.skill)},
            series=[Series(_("Error rate"), [(p["opportunity"], p["errors"] / p["attempts"]) for p in c.points])],
            x_min=1, x_max=max(2, max(p["opportunity"] for p in c.points)), x_label=_("Practice opportunity"),
            y_label=_("Error rate"), y_percent=True, width=320, height=180)}
        for c in curves if c.points
    ]
    context = {"form": form, "scope": scope, "page_name": "content", "course": course, "sort": sort,
               "page": _page(request, rows), "curves": curve_charts,
               "flagged": sum(1 for r in rows if r["flags"]), "flat": sum(1 for c in curves if c.flat)}
    return _render(request, "analytics/content.html", context)


# ----- 6. adaptive vs fixed ------------------------------------------------------------------------
@login_required
@require_GET
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    course = selectors.default_course(scope)
    result = selectors.compare_paths(scope, course) if course else None

    def comparison() -> Table:
        rows = result["rows"] if result else []
        return (["outcome", "test", "n_adaptive", "n_fixed", "adaptive", "fixed", "difference", "ci_low", "ci_high",
                 "p_value", "significant"],
                ([label, c.test, c.n_a, c.n_b, _r(c.value_a), _r(c.value_b), _r(c.difference), _r(c.ci_low),
                  _r(c.ci_high), _r(c.p_value), int(c.significant)] for label, _key, c, _kind in rows))

    if (csv_response := _csv_response(request, "compare", {"comparison": comparison})) is not None:
        return csv_response
    context = {"form": form, "scope": scope, "page_name": "compare", "course": course, "result": result,
               "control_share": course.control_share if course else 0}
    return _render(request, "analytics/compare.html", context)


# ----- 7. model health ---------------------------------------------------------------------------
@login_required
@require_GET
def model_health(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    champion = ModelVersion.objects.filter(status=ModelVersion.CHAMPION).first()
    checks = list(ModelHealthCheck.objects.filter(model_version=champion)[:30]) if champion else []
    verdict = selectors.model_verdict(champion, checks)
    metrics = (champion.metrics or {}) if champion else {}
    calibration = metrics.get("calibration") or []
    kshot = metrics.get("kshot") or {}
    live = checks[0] if checks else None

    def calibration_table() -> Table:
        return (["source", "low", "high", "count", "predicted", "observed"],
                [*(["held-out", b["low"], b["high"], b["count"], _r(b["predicted"]), _r(b["observed"])]
                   for b in calibration),
                 *(["live", b["low"], b["high"], b["count"], _r(b["predicted"]), _r(b["observed"])]
                   for b in (live.calibration if live else []))])

    def kshot_table() -> Table:
        return (["first_answers", "auc"], ([k, _r(v)] for k, v in kshot.items()))

    def versions_table() -> Table:
        return (["id", "name", "status", "created", "promoted_at", "device", "auc", "logloss", "ece", "note"],
                ([v.pk, v.name, v.status, v.created.isoformat(), v.promoted_at.isoformat() if v.promoted_at else "",
                  v.device, _r((v.metrics or {}).get("auc")), _r((v.metrics or {}).get("logloss")),
                  _r((v.metrics or {}).get("ece")), v.promotion_note] for v in ModelVersion.objects.all()[:200]))

    admin = is_admin(request.user)
    tables = {"calibration": calibration_table, "kshot": kshot_table}
    if admin:  # the registry is admins' detail on the page, so in its export too
        tables["versions"] = versions_table
    if (csv_response := _csv_response(request, "model", tables)) is not None:
        return csv_response
    calibration_chart = kshot_chart = None
    if calibration:
        series = [Series(_("Held out (when trained)"), [(b["predicted"], b["observed"]) for b in calibration])]
        if live and live.calibration:
            series.append(Series(_("Live (recent answers)"), [(b["predicted"], b["observed"]) for b in live.calibration]))
        calibration_chart = line_chart(title=_("Calibration: predicted against observed success"), series=series,
                                       x_min=0, x_max=1, x_label=_("Predicted success"), y_label=_("Observed success"),
                                       y_percent=True, diagonal=True,
                                       x_ticks=[(i / 5, f"{i * 20}%") for i in range(6)])
    kshot_points = [(k, v) for k, v in kshot.items() if v is not None]
    if kshot_points:
        kshot_chart = line_chart(title=_("How well it predicts new learners' first answers (AUC)"),
                                 series=[Series("AUC", [(i, v) for i, (_k, v) in enumerate(kshot_points)])],
                                 x_min=0, x_max=max(1, len(kshot_points) - 1),
                                 y_min=min(0.5, math.floor(min(v for _k, v in kshot_points) * 10) / 10), y_max=1.0,
                                 x_ticks=[(i, _("first %(count)s") % {"count": k} if k.isdigit() else _("after 20"))
                                          for i, (k, _v) in enumerate(kshot_points)],
                                 x_label=_("Answers of a new learner"), y_label="AUC")
    last_run = TrainingRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    context = {
        "form": form, "scope": scope, "page_name": "model", "champion": champion, "verdict": verdict,
        "metrics": metrics, "calibration": calibration, "kshot": kshot_points, "live": live, "checks": checks,
        "calibration_chart": calibration_chart, "kshot_chart": kshot_chart, "last_run": last_run,
        "versions": ModelVersion.objects.all()[:20] if admin else [],
        "detail": admin,
        "metric_rows": [(k, f"{v:.4g}" if isinstance(v, float) else v) for k, v in metrics.items()
                        if k not in ("calibration", "kshot")],
        "training_rows": list(((champion.training_data or {}) if champion else {}).items()),
    }
    return _render(request, "analytics/model.html", context)


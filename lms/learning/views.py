"""The learner's pages. Thin: fetch with a permission check, validate, call one service, render."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from adaptive.decisions import latest_question_decision, question_decision, recommended_module
from adaptive.models import Decision
from adaptive.records import AttemptAnswer
from adaptive.services import learner_mastery
from lms.accounts.roles import is_admin
from lms.content.grading import correct_answer_text
from lms.content.markdown import markdown_text, render_markdown
from lms.content.models import Course, Module, Question, Skill
from lms.content.selectors import image_urls_for
from lms.http import AuthenticatedHttpRequest
from lms.learning import selectors
from lms.learning.forms import AnswerForm, WeeklyGoalForm
from lms.learning.models import QuizAttempt, Response
from lms.learning.momentum import momentum_for, weekly_goal_set
from lms.learning.services import (
    NotAllowed,
    enrollment_create,
    module_for_question,
    placement_start,
    quiz_attempt_next_question,
    quiz_attempt_start,
    response_submit,
)

#: How long the page waits before asking again whether the next question is decided.
DECISION_POLL_MS = 100


def _duration_words(seconds: float) -> str:
    """How long a quiz took, as a person would say it: "under a minute", "about 1 minute",
    "about 12 minutes" (empty when nothing was timed)."""
    if seconds <= 0:
        return ""
    if seconds < 60:
        return _("under a minute")
    minutes = round(seconds / 60)
    return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {"count": minutes}


def _visible_course(request: AuthenticatedHttpRequest, slug: str) -> Course:
    course = get_object_or_404(Course, slug=slug)
    if not course.published and not is_admin(request.user):
        raise Http404("No such course")
    return course


def _visible_module(request: AuthenticatedHttpRequest, course_slug: str, module_slug: str) -> Module:
    course = _visible_course(request, course_slug)
    return get_object_or_404(Module.objects.select_related("course"), course=course, slug=module_slug)


def _own_attempt(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID) -> QuizAttempt:
    # Someone else's attempt is a 404, not a 403: its existence is not theirs to know.
    return get_object_or_404(QuizAttempt.objects.select_related("module__course", "course"), pk=attempt_id,
                             user=request.user)


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    enrollments = list(selectors.enrollments_for(request.user).filter(course__published=True))
    open_attempt = selectors.open_attempt_for(request.user)
    recommendations = {e.course_id: recommended_module(request.user.pk, e.course) for e in enrollments
                       if e.completed_at is None}
    # Days and weeks in the learner's own zone (PreferencesMiddleware activated it).
    momentum = momentum_for(request.user, zone=timezone.get_current_timezone())
    ctx = {
        "enrollments": [(e, recommendations.get(e.course_id)) for e in enrollments],
        "open_attempt": open_attempt,
        "continue_with": next((recommendations[e.course_id] for e in enrollments
                               if e.course_id in recommendations and recommendations[e.course_id].module), None),
        "assignments": selectors.assignments_of(request.user),
        "today": timezone.localdate(),  # in the user's zone: what is overdue or due today for them
        "catalogue": selectors.catalogue_for(request.user),
        "momentum": momentum,
        "goal_form": WeeklyGoalForm(initial={"days_per_week": momentum.goal_days}),
    }
    return render(request, "learning/dashboard.html", ctx)


@login_required
@require_POST
def weekly_goal(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WeeklyGoalForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["days_per_week"]))
        return redirect(reverse("dashboard") + "#momentum-heading")
    days = form.cleaned_data["days_per_week"]
    weekly_goal_set(user=request.user, days_per_week=days)
    if days:
        messages.success(request, ngettext("Your goal is now %(count)d day of practice a week.",
                                           "Your goal is now %(count)d days of practice a week.", days) % {"count": days})
    else:
        messages.success(request, _("You have no weekly goal now. Your progress still shows here."))
    return redirect(reverse("dashboard") + "#momentum-heading")


@login_required
@require_POST
def enrol(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _visible_course(request, slug)
    try:
        enrollment_create(user=request.user, course=course)
    except NotAllowed as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect("dashboard")
    messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.title})
    return redirect(course)


@login_required
@require_GET
def course_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _visible_course(request, slug)
    enrollment = course.enrollments.filter(user=request.user).first()
    outline = selectors.course_outline(request.user, course)
    answered = Response.objects.filter(user=request.user, course=course).exists()
    ctx = {
        "course": course,
        "description_html": render_markdown(course.description),
        "enrollment": enrollment,
        "outline": outline,
        "recommendation": recommended_module(request.user.pk, course) if enrollment else None,
        "offer_placement": enrollment is not None and not answered,
    }
    return render(request, "learning/course.html", ctx)


@login_required
@require_GET
def module_detail(request: AuthenticatedHttpRequest, course_slug: str, module_slug: str) -> HttpResponse:
    module = _visible_module(request, course_slug, module_slug)
    outline = selectors.course_outline(request.user, module.course)
    index = next(i for i, s in enumerate(outline) if s.module.pk == module.pk)
    ctx = {
        "course": module.course,
        "module": module,
        "body_html": render_markdown(module.body, image_urls_for(module), title=module.title),
        "images": module.images.all(),
        "status": outline[index],
        "previous": outline[index - 1].module if index > 0 else None,
        "next": outline[index + 1].module if index + 1 < len(outline) else None,
        "position": index + 1,
        "module_count": len(outline),
        "question_count": module.module_questions.count(),
        "skills": module.skills.all(),
    }
    return render(request, "learning/module.html", ctx)


@login_required
@require_POST
def quiz_start(request: AuthenticatedHttpRequest, course_slug: str, module_slug: str) -> HttpResponse:
    module = _visible_module(request, course_slug, module_slug)
    try:
        attempt = quiz_attempt_start(user=request.user, module=module)
    except NotAllowed as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect(module)
    return redirect("quiz", attempt_id=attempt.pk)


@login_required
@require_POST
def placement(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _visible_course(request, slug)
    try:
        attempt = placement_start(user=request.user, course=course)
    except NotAllowed as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect(course)
    return redirect("quiz", attempt_id=attempt.pk)


def _images(attempt: QuizAttempt, question: Question) -> dict[str, str]:
    if "images/" not in question.stem and "images/" not in question.explanation:
        return {}  # no picture to place: spare the lookup
    module = attempt.module or module_for_question(course=attempt.course, question=question)
    return image_urls_for(module) if module else {}


def _question_context(attempt: QuizAttempt, question: Question, form: AnswerForm | None = None, *,
                      answered: int | None = None, decision: Decision | None = None) -> dict:
    if answered is None:
        answered = attempt.responses.count()
    if form is None:
        form = AnswerForm(
            question=question,
            initial={"submission_id": uuid.uuid4(), "shown_at": timezone.now().isoformat()},
        )
    limit = attempt.max_questions or len(attempt.question_ids)
    return {
        "attempt": attempt,
        "module": attempt.module,
        "course": attempt.course,
        "question": question,
        "stem_html": render_markdown(question.stem, _images(attempt, question)),
        "form": form,
        "number": answered + 1,
        "total": limit,
        "progress_percent": round(100 * answered / max(1, limit)),
        "decision": decision or latest_question_decision(attempt),
    }


@login_required
@require_GET
def quiz(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.finished_at is not None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("quiz_summary", args=[attempt.pk]))
        return redirect("quiz_summary", attempt_id=attempt.pk)
    answers = selectors.attempt_answers(attempt)
    question = selectors.attempt_question(attempt, answers)
    if question is None:
        # The question after the latest answer is still being decided: the page asks again.
        ctx = {"attempt": attempt, "module": attempt.module, "course": attempt.course,
               **_next_step_context(attempt, answers[-1].response_id if answers else None, answers)}
        template = "learning/quiz.html#deciding" if request.htmx else "learning/quiz.html"
        return render(request, template, ctx)
    return render(request, "learning/quiz.html#question" if request.htmx else "learning/quiz.html",
                  _question_context(attempt, question, answered=len(answers)))


@login_required
@require_POST
def quiz_answer(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID, question_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    question = get_object_or_404(Question.objects.prefetch_related("choices"), pk=question_id)
    if question.pk not in attempt.question_ids:
        raise Http404("No such question in this quiz")
    form = AnswerForm(request.POST, question=question)
    if not form.is_valid():
        template = "learning/quiz.html#question" if request.htmx else "learning/quiz.html"
        return render(request, template, _question_context(attempt, question, form), status=422 if request.htmx else 200)
    module = attempt.module or module_for_question(course=attempt.course, question=question)
    try:
        if module is None:
            raise NotAllowed("this question is not part of this course")
        # A second submission of the same answer (double click, retry) returns the stored one.
        result = response_submit(
            user=request.user,
            question=question,
            module=module,
            answer=form.cleaned_data["answer"],
            submission_id=form.cleaned_data["submission_id"],
            time_taken_ms=_elapsed_ms(form.cleaned_data.get("shown_at")),
            shown_at=form.cleaned_data.get("shown_at"),
            quiz_attempt=attempt,
        )
    except NotAllowed as exc:
        messages.info(request, str(exc).capitalize() + ".")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("quiz", args=[attempt.pk]))
        return redirect("quiz", attempt_id=attempt.pk)
    if request.htmx:
        return _render_feedback(request, attempt, result.response)
    return redirect("quiz_feedback", attempt_id=attempt.pk, submission_id=form.cleaned_data["submission_id"])


def _elapsed_ms(shown_at: object) -> int | None:
    if shown_at is None:
        return None
    elapsed = (timezone.now() - shown_at).total_seconds() * 1000  # type: ignore[operator]
    return int(elapsed) if 0 <= elapsed <= 3_600_000 else None


@login_required
@require_GET
def quiz_feedback(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID, submission_id: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    response = get_object_or_404(Response.objects.select_related("question").prefetch_related("question__choices"),
                                 quiz_attempt=attempt, submission_id=submission_id)
    return _render_feedback(request, attempt, response)


def _render_feedback(request: AuthenticatedHttpRequest, attempt: QuizAttempt, response: Response) -> HttpResponse:
    if response.quiz_attempt_id != attempt.pk:
        raise Http404("No such answer in this quiz")
    question = response.question
    picked = response.answer if isinstance(response.answer, list) else [response.answer]
    choices = [
        {"choice": c, "picked": c.pk in picked} for c in question.choices.all()
    ] if question.type in Question.CHOICE_TYPES else []
    images = _images(attempt, question)
    ctx = {
        "attempt": attempt,
        "module": attempt.module,
        "course": attempt.course,
        "response": response,
        "question": question,
        "stem_html": render_markdown(question.stem, images),
        "explanation_html": render_markdown(question.explanation, images),
        "correct_answer": correct_answer_text(question),
        "choices": choices,
        "number": attempt.responses.filter(id__lte=response.id).count(),
        "total": attempt.max_questions or len(attempt.question_ids),
        "poll_ms": DECISION_POLL_MS,
    }
    if request.htmx:
        # Feedback at once; the next step arrives as soon as the worker has decided.
        return render(request, "learning/quiz_feedback.html#feedback", ctx)
    ctx.update(_next_step_context(attempt, response.pk, selectors.attempt_answers(attempt)))
    return render(request, "learning/quiz_feedback.html", ctx)


def _next_step_context(attempt: QuizAttempt, response_id: int | None, answers: list[AttemptAnswer]) -> dict:
    """What follows the answer ``response_id`` (None: the start), as stored now. A read: nothing is
    decided here.

    While the decision is pending, ``late`` says whether the deadline for the worker has passed
    since the answer was stored: then the page asks the web to decide (a POST to ``quiz_decide``).
    """
    if response_id is None:  # no question chosen at the start (its question was deleted): the web decides
        return {"next_question": None, "finished": False, "decision": None, "stale": False, "pending": True,
                "late": True, "response_id": "", "poll_ms": DECISION_POLL_MS}
    if not answers or answers[-1].response_id != response_id:
        # An older answer's page: the quiz has moved on.
        return {"next_question": None, "finished": attempt.finished_at is not None, "decision": None, "stale": True,
                "pending": False}
    decision = question_decision(response_id)
    applied = decision is not None and (attempt.finished_at is not None if decision.question_id is None
                                        else attempt.current_question_id == decision.question_id)
    if decision is not None and not applied:
        # Stored but not yet applied to the quiz (the web's decision, a moment ago): asking to decide applies it.
        return {"next_question": None, "finished": False, "decision": None, "stale": False, "pending": True,
                "late": True, "response_id": response_id, "poll_ms": DECISION_POLL_MS}
    if decision is None:
        answered_at = Response.objects.values_list("created", flat=True).get(pk=response_id)
        late = timezone.now() >= answered_at + timedelta(seconds=settings.PATHWISE_DECISION_DEADLINE_S)
        return {"next_question": None, "finished": False, "decision": None, "stale": False, "pending": True,
                "late": late, "response_id": response_id, "poll_ms": DECISION_POLL_MS}
    return {
        "next_question": decision.question_id,
        "finished": decision.question_id is None,
        "decision": decision,
        "stale": False,
        "pending": False,
    }


@login_required
@require_GET
def quiz_next(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID, response_id: int) -> HttpResponse:
    """The decision after an answer: the next question (with why), the end of the quiz, or, while
    it is being decided, a fragment that asks again shortly."""
    attempt = _own_attempt(request, attempt_id)
    answers = selectors.attempt_answers(attempt)
    if response_id not in {answer.response_id for answer in answers}:
        raise Http404("No such answer in this quiz")
    ctx = {"attempt": attempt, **_next_step_context(attempt, response_id, answers)}
    return render(request, "learning/_next_step.html", ctx)


@login_required
@require_POST
def quiz_decide(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    """Decide what follows the latest answer now, from the learner's last stored state, when the
    worker has not (it is late or down). The first decision stored for an answer stands, so this
    changes nothing once the worker has decided; nor when the posted ``response`` (the answer the
    page followed) is no longer the quiz's latest."""
    attempt = _own_attempt(request, attempt_id)
    answers = selectors.attempt_answers(attempt)
    latest = answers[-1].response_id if answers else None
    posted = request.POST.get("response", "")
    if posted and (not posted.isdigit() or int(posted) not in {answer.response_id for answer in answers}):
        raise Http404("No such answer in this quiz")
    if not posted or int(posted) == latest:
        quiz_attempt_next_question(attempt=attempt, answers=answers)
    if not request.htmx:
        return redirect("quiz", attempt_id=attempt.pk)
    ctx = {"attempt": attempt, **_next_step_context(attempt, int(posted) if posted else latest, answers)}
    return render(request, "learning/_next_step.html", ctx)


@login_required
@require_GET
def quiz_summary(request: AuthenticatedHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.finished_at is None:
        return redirect("quiz", attempt_id=attempt.pk)
    responses = list(attempt.responses.select_related("question").prefetch_related("question__skills").order_by("id"))
    score = sum(r.score for r in responses) / max(1, len(responses))
    skills = attempt.module.skills.all() if attempt.module else Skill.objects.filter(
        questions__responses__in=responses).distinct()
    skill_rows = []
    mastery = learner_mastery(request.user)
    for skill in skills:
        rows = [r for r in responses if skill.pk in {s.pk for s in r.question.skills.all()}]
        if rows:
            skill_rows.append({"skill": skill, "correct": sum(r.is_correct for r in rows), "total": len(rows),
                               "mastery": mastery.get(skill.slug)})
    recommendation = recommended_module(request.user.pk, attempt.course)
    ctx = {
        "attempt": attempt,
        "module": attempt.module,
        "course": attempt.course,
        "answers": [{"response": r, "stem": markdown_text(r.question.stem)} for r in responses],
        "score_percent": round(100 * score),
        "correct": sum(r.is_correct for r in responses),
        "total": len(responses),
        "skill_rows": skill_rows,
        "recommendation": recommendation,
        "mastery_threshold": attempt.course.mastery_threshold,
        "time_taken": _duration_words(sum(r.time_taken_ms or 0 for r in responses) / 1000),
    }
    return render(request, "learning/quiz_summary.html", ctx)

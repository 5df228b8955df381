"""The learner's pages. Thin: fetch with a permission check, validate, call one service, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lms.accounts.roles import is_admin
from lms.content.grading import correct_answer_text
from lms.content.markdown import render_markdown
from lms.content.models import Course, Module, Question, Skill
from lms.content.selectors import image_urls_for
from adaptive.decisions import answered_in_order, latest_question_decision, recommended_module, resolve_next_step
from adaptive.models import Decision
from adaptive.services import assignments_of, learner_mastery
from lms.learning import selectors
from lms.learning.forms import AnswerForm
from lms.learning.models import QuizAttempt, Response
from lms.learning.services import (
    NotAllowed,
    enrollment_create,
    module_for_question,
    placement_start,
    quiz_attempt_start,
    response_submit,
)


def _visible_course(request: HttpRequest, slug: str) -> Course:
    course = get_object_or_404(Course, slug=slug)
    if not course.published and not is_admin(request.user):
        raise Http404("No such course")
    return course


def _visible_module(request: HttpRequest, course_slug: str, module_slug: str) -> Module:
    course = _visible_course(request, course_slug)
    return get_object_or_404(Module.objects.select_related("course"), course=course, slug=module_slug)


def _own_attempt(request: HttpRequest, attempt_id: uuid.UUID) -> QuizAttempt:
    # Someone else's attempt is a 404, not a 403: its existence is not theirs to know.
    return get_object_or_404(QuizAttempt.objects.select_related("module__course", "course"), pk=attempt_id,
                             user=request.user)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    enrollments = list(selectors.enrollments_for(request.user).filter(course__published=True))
    open_attempt = selectors.open_attempt_for(request.user)
    recommendations = {e.course_id: recommended_module(request.user.pk, e.course) for e in enrollments
                       if e.completed_at is None}
    ctx = {
        "enrollments": [(e, recommendations.get(e.course_id)) for e in enrollments],
        "open_attempt": open_attempt,
        "continue_with": next((recommendations[e.course_id] for e in enrollments
                               if e.course_id in recommendations and recommendations[e.course_id].module), None),
        "assignments": assignments_of(request.user),
        "catalogue": selectors.catalogue_for(request.user),
    }
    return render(request, "learning/dashboard.html", ctx)


@login_required
@require_POST
def enrol(request: HttpRequest, slug: str) -> HttpResponse:
    course = _visible_course(request, slug)
    try:
        enrollment_create(user=request.user, course=course)
    except NotAllowed as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect("dashboard")
    messages.success(request, f"You are enrolled in {course.title}.")
    return redirect(course)


@login_required
@require_GET
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
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
def module_detail(request: HttpRequest, course_slug: str, module_slug: str) -> HttpResponse:
    module = _visible_module(request, course_slug, module_slug)
    outline = selectors.course_outline(request.user, module.course)
    index = next(i for i, s in enumerate(outline) if s.module.pk == module.pk)
    ctx = {
        "course": module.course,
        "module": module,
        "body_html": render_markdown(module.body, image_urls_for(module)),
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
def quiz_start(request: HttpRequest, course_slug: str, module_slug: str) -> HttpResponse:
    module = _visible_module(request, course_slug, module_slug)
    try:
        attempt = quiz_attempt_start(user=request.user, module=module)
    except NotAllowed as exc:
        messages.error(request, str(exc).capitalize() + ".")
        return redirect(module)
    return redirect("quiz", attempt_id=attempt.pk)


@login_required
@require_POST
def placement(request: HttpRequest, slug: str) -> HttpResponse:
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
def quiz(request: HttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    answered = answered_in_order(attempt)
    step = resolve_next_step(attempt, answered=answered)
    if step.question_id is None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("quiz_summary", args=[attempt.pk]))
        return redirect("quiz_summary", attempt_id=attempt.pk)
    question = Question.objects.prefetch_related("choices").get(pk=step.question_id)
    template = "learning/quiz.html#question" if request.htmx else "learning/quiz.html"
    return render(request, template, _question_context(attempt, question, answered=len(answered),
                                                      decision=step.decision))


@login_required
@require_POST
def quiz_answer(request: HttpRequest, attempt_id: uuid.UUID, question_id: int) -> HttpResponse:
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
def quiz_feedback(request: HttpRequest, attempt_id: uuid.UUID, submission_id: uuid.UUID) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    response = get_object_or_404(Response.objects.select_related("question").prefetch_related("question__choices"),
                                 quiz_attempt=attempt, submission_id=submission_id)
    return _render_feedback(request, attempt, response)


def _render_feedback(request: HttpRequest, attempt: QuizAttempt, response: Response) -> HttpResponse:
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
    }
    if request.htmx:
        # Feedback at once; the next step arrives as soon as the worker has decided.
        return render(request, "learning/quiz_feedback.html#feedback", ctx)
    ctx.update(_next_step_context(attempt, response.pk))
    return render(request, "learning/quiz_feedback.html", ctx)


def _next_step_context(attempt: QuizAttempt, response_id: int,
                       answered: list[tuple[int, int]] | None = None) -> dict:
    if answered is None:
        answered = answered_in_order(attempt)
    if answered[-1][0] != response_id:
        # An older answer's page: the quiz has moved on.
        return {"next_question": None, "finished": attempt.finished_at is not None, "decision": None, "stale": True}
    step = resolve_next_step(attempt, answered=answered)
    decision = step.decision or Decision.objects.filter(response_id=response_id, kind=Decision.QUESTION).first()
    return {
        "next_question": step.question_id,
        "finished": step.question_id is None,
        "decision": decision,
        "stale": False,
    }


@login_required
@require_GET
def quiz_next(request: HttpRequest, attempt_id: uuid.UUID, response_id: int) -> HttpResponse:
    """The decision after an answer: the next question (with why) or the end of the quiz."""
    attempt = _own_attempt(request, attempt_id)
    answered = answered_in_order(attempt)
    if response_id not in {pk for pk, _ in answered}:
        raise Http404("No such answer in this quiz")
    ctx = {"attempt": attempt, **_next_step_context(attempt, response_id, answered)}
    return render(request, "learning/quiz_feedback.html#next-step", ctx)


@login_required
@require_GET
def quiz_summary(request: HttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
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
        "responses": responses,
        "score_percent": round(100 * score),
        "correct": sum(r.is_correct for r in responses),
        "total": len(responses),
        "skill_rows": skill_rows,
        "recommendation": recommendation,
        "mastery_threshold": attempt.course.mastery_threshold,
        "minutes": round(sum(r.time_taken_ms or 0 for r in responses) / 60000, 1),
    }
    return render(request, "learning/quiz_summary.html", ctx)

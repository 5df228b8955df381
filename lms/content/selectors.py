"""Reads of the content: who sees which courses, modules and questions, and what pages show of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet

from lms.accounts.roles import is_admin, is_staff_role
from lms.content.models import Course, Module, ModuleQuestion, Question, Skill, SkillSuggestion


def image_urls_for(module: Module) -> dict[str, str]:
    """Package paths of a module's images (``images/x.svg``) mapped to the addresses they are served at."""
    # "module" too: the related manager sets each image's module, which would fetch a deferred module_id per image.
    return {f"images/{img.filename}": img.get_absolute_url()
            for img in module.images.only("id", "filename", "module")}


def course_skills(course: Course) -> list[Skill]:
    """The course's skills: owned by it, or taught or tested by its modules; by name, then slug."""
    return list(
        Skill.objects.filter(Q(courses=course) | Q(modules__course=course)
                             | Q(questions__module_links__module__course=course))
        .distinct().order_by("name", "slug")
    )


def courses_visible_to(user: User) -> QuerySet[Course]:
    """Published courses; admins also see unpublished ones."""
    courses = Course.objects.all()
    return courses if is_admin(user) else courses.filter(published=True)


def modules_visible_to(user: User) -> QuerySet[Module]:
    """The modules of the courses ``user`` sees, each with its quiz in order."""
    quiz = ModuleQuestion.objects.select_related("question").order_by("order", "id")
    modules = Module.objects.select_related("course").prefetch_related(Prefetch("module_questions", queryset=quiz))
    return modules if is_admin(user) else modules.filter(course__published=True)


def questions_visible_to(user: User) -> QuerySet[Question]:
    """Managers and admins see the whole bank; learners only questions in published courses' quizzes."""
    questions = Question.objects.prefetch_related("skills", "choices")
    if is_staff_role(user):
        return questions
    return questions.filter(
        pk__in=ModuleQuestion.objects.filter(module__course__published=True).values("question_id")
    )


def sees_answers(user: User) -> bool:
    """Whether ``user`` may see answer keys, feedback and explanations before answering."""
    return is_staff_role(user)


def questions_filtered(questions: QuerySet[Question], *, skill: Skill | None = None,
                       module: Module | None = None) -> QuerySet[Question]:
    """``questions`` narrowed to those training ``skill`` and those in ``module``'s quiz."""
    if skill is not None:
        questions = questions.filter(skills=skill)
    if module is not None:
        questions = questions.filter(pk__in=list(module.module_questions.values_list("question_id", flat=True)))
    return questions.distinct()


def questions_untagged(keys: Iterable[str]) -> QuerySet[Question]:
    """The questions among ``keys`` that have no skill yet, in the order they were created."""
    return (Question.objects.prefetch_related("choices", "skills").order_by("pk")
            .filter(skills__isnull=True, key__in=list(keys)))


def question_text_fingerprint(question: Question) -> str:
    """A digest of what skills are suggested from (stem, choices, explanation). Stored suggestions are
    current while it equals ``question.skills_suggested_for``. Reads the choices as they are now."""
    choices = question.choices.all()
    parts = [question.stem, *(choice.text for choice in choices), question.explanation]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class StoredSuggestions:
    """The skills suggested for a question, as stored. ``state``: ``"none"`` when none were ever asked
    for, ``"working"`` while they are being worked out for its current text, ``"ready"`` otherwise."""

    state: str
    suggestions: list[SkillSuggestion] = field(default_factory=list)


def skill_suggestions_stored(question: Question) -> StoredSuggestions:
    """The pending suggestions for ``question``'s current text, best first, leaving out skills it has."""
    if not question.skills_suggested_for:
        return StoredSuggestions("none")
    if question.skills_suggested_for != question_text_fingerprint(question):
        return StoredSuggestions("working")
    pending = (question.skill_suggestions.filter(status=SkillSuggestion.PENDING)
               .exclude(skill__in=question.skills.all()).select_related("skill").order_by("rank", "pk"))
    return StoredSuggestions("ready", list(pending))

"""A course's structure as plain values, cached per process for the real-time path.

Deciding after every answer needs the same facts about a course again and again (questions and
their skills, modules and their prerequisites, skill names). Reading them once per course and
keeping them for a short while takes most of the database work off each decision. Content edits
reach the decisions within ``TTL_SECONDS`` (or at once when the course row itself changes).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from adaptive.core.learners.base import ItemInfo
from adaptive.core.policy import ModuleCandidate
from lms.content.models import Course, Module, ModuleQuestion, Question, Skill

TTL_SECONDS = 60.0


@dataclass(frozen=True)
class CourseStructure:
    course_id: int
    title: str
    target_success: float
    mastery_threshold: float
    question_keys: dict[int, str]
    question_skills: dict[int, tuple[str, ...]]  # author's order: the first is the primary skill
    module_skills: dict[int, tuple[str, ...]]
    modules: tuple[ModuleCandidate, ...]  # completed=False; callers fill in completion
    skill_names: dict[str, str]
    skills: tuple[str, ...]  # every skill a module or question of the course uses
    question_info: dict[int, ItemInfo]  # every skill, the author's difficulty and the type, for the model

    def primary(self, question_id: int) -> str | None:
        skills = self.question_skills.get(question_id)
        return skills[0] if skills else None

    def info(self, question_id: int) -> ItemInfo | None:
        return self.question_info.get(question_id)


_lock = threading.Lock()
_cache: dict[int, tuple[float, object, CourseStructure]] = {}


def course_structure(course: Course) -> CourseStructure:
    """The structure of ``course`` (cached; rebuilt when stale or when the course row changed)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(course.pk)
        if hit and now - hit[0] < TTL_SECONDS and hit[1] == course.updated:
            return hit[2]
    structure = _build(course)
    with _lock:
        _cache[course.pk] = (now, course.updated, structure)
    return structure


def forget_structures() -> None:
    with _lock:
        _cache.clear()


def _build(course: Course) -> CourseStructure:
    modules = list(Module.objects.filter(course=course).order_by("order", "id").prefetch_related("skills__prerequisites"))
    question_ids = set(ModuleQuestion.objects.filter(module__course=course).values_list("question_id", flat=True))
    rows = Question.objects.filter(pk__in=question_ids).values_list("pk", "key", "difficulty", "type")
    keys, rated = {}, {}
    for pk, key, difficulty, kind in rows:
        keys[pk], rated[pk] = key, (difficulty, kind)
    question_skills: dict[int, list[str]] = {}
    through = Question.skills.through.objects.filter(question_id__in=question_ids).order_by("id")
    for question_id, slug in through.values_list("question_id", "skill__slug"):
        question_skills.setdefault(question_id, []).append(slug)
    module_skills = {m.pk: tuple(s.slug for s in m.skills.all()) for m in modules}
    candidates = []
    for m in modules:
        taught = module_skills[m.pk]
        needs = tuple(sorted({p.slug for s in m.skills.all() for p in s.prerequisites.all()} - set(taught)))
        candidates.append(ModuleCandidate(m.pk, m.title, m.order, taught, needs, False))
    all_skills = {s for skills in module_skills.values() for s in skills} | {
        s for skills in question_skills.values() for s in skills}
    names = dict(Skill.objects.filter(slug__in=all_skills).values_list("slug", "name"))
    return CourseStructure(
        course_id=course.pk, title=course.title, target_success=course.target_success,
        mastery_threshold=course.mastery_threshold, question_keys=keys,
        question_skills={q: tuple(s) for q, s in question_skills.items()}, module_skills=module_skills,
        modules=tuple(candidates), skill_names=names, skills=tuple(sorted(all_skills)),
        question_info={q: ItemInfo(tuple(question_skills.get(q, ())), float(rated[q][0]) if rated[q][0] else None,
                                   rated[q][1]) for q in keys},
    )

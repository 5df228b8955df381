"""The xAPI statements Pathwise sends, built from its rows (xAPI 1.0.3, ADL vocabulary).

Activity IRIs are built from ``PATHWISE_XAPI_BASE_URL`` and the identifiers that stay the same
through exports and imports (course and module slugs, question keys, skill slugs), and a learner
is an account on that site named by their user id, never their email address. A statement's id is
derived from what it reports (``statement_id``), so recording the same event twice gives one id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings

from lms.content.models import Course, Module, Question
from lms.learning.models import QuizAttempt, Response

XAPI_VERSION = "1.0.3"
VERBS = {
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "mastered": "http://adlnet.gov/expapi/verbs/mastered",
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "skill": "http://adlnet.gov/expapi/activities/objective",
}
INTERACTION_TYPES: dict[str, str] = {
    Question.SINGLE: "choice",
    Question.MULTIPLE: "choice",
    Question.TRUE_FALSE: "true-false",
    Question.NUMERIC: "numeric",
    Question.SHORT_TEXT: "fill-in",
}
LANGUAGE = "en"


def base_url() -> str:
    return str(settings.PATHWISE_XAPI_BASE_URL)


def statement_id(source: str) -> uuid.UUID:
    """The id of the statement reporting ``source`` (e.g. ``answer:42``): the same event, the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/xapi/statements/{source}")


def _segment(value: str) -> str:
    return quote(value, safe="")


def course_iri(course: Course) -> str:
    return f"{base_url()}/xapi/courses/{_segment(course.slug)}"


def module_iri(module: Module, course: Course) -> str:
    return f"{course_iri(course)}/modules/{_segment(module.slug)}"


def quiz_iri(attempt: QuizAttempt, course: Course, module: Module | None) -> str:
    return f"{module_iri(module, course)}/quiz" if module is not None else f"{course_iri(course)}/placement"


def question_iri(question: Question) -> str:
    return f"{base_url()}/xapi/questions/{_segment(question.key)}"


def skill_iri(slug: str) -> str:
    return f"{base_url()}/xapi/skills/{_segment(slug)}"


def actor(user_id: int) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": base_url(), "name": str(user_id)}}


def _activity(iri: str, kind: str, name: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": ACTIVITY_TYPES[kind], "name": {LANGUAGE: name[:250] or iri}}}


def _course_activity(course: Course) -> dict[str, Any]:
    return _activity(course_iri(course), "course", course.title)


def _module_activity(module: Module, course: Course) -> dict[str, Any]:
    return _activity(module_iri(module, course), "module", module.title)


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-US": name}}


def _timestamp(moment: datetime) -> str:
    return moment.isoformat()


def _duration(milliseconds: int) -> str:
    """ISO 8601 duration, as xAPI wants it (to the hundredth of a second)."""
    return f"PT{milliseconds / 1000:.2f}S"


def _response_text(answer: Any) -> str:
    """The learner's answer in xAPI's response format: choice ids separated by ``[,]``."""
    if isinstance(answer, bool):
        return "true" if answer else "false"
    if isinstance(answer, list | tuple):
        return "[,]".join(str(part) for part in answer)
    return "" if answer is None else str(answer)


def _score(scaled: float, raw: float | None = None, maximum: float = 1.0) -> dict[str, float]:
    score = {"scaled": round(max(0.0, min(1.0, scaled)), 4), "min": 0.0, "max": float(maximum)}
    score["raw"] = round(float(raw if raw is not None else scaled * maximum), 4)
    return score


def _envelope(sid: uuid.UUID, user_id: int, verb: str, obj: dict[str, Any], when: datetime,
              result: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    context = {"platform": "Pathwise", "language": LANGUAGE, **context}
    return {"id": str(sid), "actor": actor(user_id), "verb": _verb(verb), "object": obj,
            "result": result, "context": context, "timestamp": _timestamp(when), "version": XAPI_VERSION}


def answered(response: Response) -> dict[str, Any]:
    """The learner answered a question: the response, its score and whether it was right."""
    question, module, course = response.question, response.module, response.course
    obj = _activity(question_iri(question), "question", question.stem.strip().splitlines()[0] if question.stem.strip()
                    else question.key)
    obj["definition"]["interactionType"] = INTERACTION_TYPES.get(question.type, "other")
    result: dict[str, Any] = {"score": _score(response.score), "success": response.is_correct,
                              "completion": True, "response": _response_text(response.answer)}
    if response.time_taken_ms is not None:
        result["duration"] = _duration(response.time_taken_ms)
    context: dict[str, Any] = {"contextActivities": {
        "parent": [_module_activity(module, course)], "grouping": [_course_activity(course)]}}
    if response.quiz_attempt_id is not None:
        context["registration"] = str(response.quiz_attempt_id)
    return _envelope(statement_id(f"answer:{response.pk}"), response.user_id, "answered", obj, response.created,
                     result, context)


def quiz_completed(attempt: QuizAttempt, *, score: float, answered: int, when: datetime) -> dict[str, Any]:
    """The learner finished a module's quiz or a course's placement check."""
    course, module = attempt.course, attempt.module
    name = f"{module.title}: quiz" if module is not None else f"{course.title}: placement check"
    obj = _activity(quiz_iri(attempt, course, module), "assessment", name)
    parents = [_module_activity(module, course)] if module is not None else [_course_activity(course)]
    context = {"registration": str(attempt.pk),
               "contextActivities": {"parent": parents, "grouping": [_course_activity(course)]}}
    result = {"score": _score(score, raw=score * answered, maximum=max(1, answered)), "completion": True}
    return _envelope(statement_id(f"quiz:{attempt.pk}"), attempt.user_id, "completed", obj, when, result, context)


def module_completed(attempt: QuizAttempt, *, score: float, when: datetime) -> dict[str, Any]:
    """The learner completed a module for the first time (by finishing its quiz)."""
    course, module = attempt.course, attempt.module
    assert module is not None
    context = {"registration": str(attempt.pk), "contextActivities": {"parent": [_course_activity(course)]}}
    result = {"score": _score(score), "completion": True}
    return _envelope(statement_id(f"module:{attempt.user_id}:{module.pk}"), attempt.user_id, "completed",
                     _module_activity(module, course), when, result, context)


def skill_mastered(*, user_id: int, slug: str, name: str, course: Course, mastery: float, threshold: float,
                   response_id: int, when: datetime) -> dict[str, Any]:
    """The learner model now predicts success on ``slug`` at or above the course's mastery threshold."""
    obj = _activity(skill_iri(slug), "skill", name)
    result = {"score": _score(mastery), "success": True, "completion": True,
              "extensions": {f"{base_url()}/xapi/extensions/mastery-threshold": threshold}}
    context = {"contextActivities": {"grouping": [_course_activity(course)]}}
    return _envelope(statement_id(f"mastery:{user_id}:{course.pk}:{slug}:{response_id}"), user_id, "mastered",
                     obj, when, result, context)

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from lms.content.models import Course
from lms.learning.models import Enrollment, ModuleCompletion
from lms.lti.models import GradeLink, Platform


@dataclass(frozen=True)
class Score:
    percent: float
    completed: bool


def grade_link_score(link: GradeLink) -> Score | None:
    """What the platform's grade column should show now: for a module, the best quiz score once the
    module is completed; for a course, the share of its modules completed. None: nothing to report yet."""
    if link.module_id is not None:
        completion = ModuleCompletion.objects.filter(user_id=link.user_id, module_id=link.module_id).first()
        if completion is None:
            return None
        return Score(round(100 * completion.best_score, 1), True)
    enrollment = Enrollment.objects.filter(user_id=link.user_id, course_id=link.course_id).first()
    if enrollment is None or not enrollment.modules_total:
        return None
    return Score(round(100 * enrollment.modules_completed / enrollment.modules_total, 1),
                 enrollment.completed_at is not None)


def grade_link_ids_for(*, user_id: int, course_id: int) -> list[int]:
    return list(GradeLink.objects.filter(user_id=user_id, course_id=course_id).values_list("pk", flat=True))


def courses_to_link() -> QuerySet[Course]:
    """What an instructor may place in the platform: published courses with their modules."""
    return Course.objects.filter(published=True).prefetch_related("modules").order_by("title")


def platform_for_launch(*, issuer: str, client_id: str) -> Platform | None:
    return Platform.objects.filter(issuer=issuer, client_id=client_id, is_active=True).first()

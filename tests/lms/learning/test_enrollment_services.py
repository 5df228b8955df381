from __future__ import annotations

from lms.learning.models import Enrollment
from lms.learning.services import enrollment_create
from tests.lms.factories import CourseFactory, UserFactory


def test_it_puts_everyone_on_the_adaptive_path_without_a_control_share(db) -> None:
    course = CourseFactory(control_share=0.0)
    paths = {enrollment_create(user=UserFactory(), course=course).path for _ in range(30)}
    assert paths == {Enrollment.ADAPTIVE}


def test_it_sends_the_control_share_down_the_fixed_order(db) -> None:
    course = CourseFactory(control_share=0.5)
    paths = [enrollment_create(user=UserFactory(), course=course).path for _ in range(300)]
    fixed = paths.count(Enrollment.FIXED)
    assert 100 < fixed < 200, fixed


def test_it_keeps_the_path_when_enrolling_again(db) -> None:
    course = CourseFactory(control_share=0.5)
    user = UserFactory()
    first = enrollment_create(user=user, course=course)
    assert all(enrollment_create(user=user, course=course).path == first.path for _ in range(20))

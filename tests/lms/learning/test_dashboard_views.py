from __future__ import annotations

from django.urls import reverse

from lms.learning.models import Enrollment
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory


def test_it_shows_catalogue_and_enrols(people) -> None:
    course = CourseFactory(title="Statistics", slug="stats")
    ModuleFactory(course=course, title="Averages")
    client = client_for(people.learner)
    assert "Statistics" in client.get(reverse("dashboard")).content.decode()
    response = client.post(reverse("enrol", args=["stats"]))
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=people.learner, course=course).count() == 1
    again = client.post(reverse("enrol", args=["stats"]))
    assert again.status_code == 302
    assert Enrollment.objects.filter(user=people.learner, course=course).count() == 1, "enrolling twice is one enrolment"
    body = client.get(reverse("dashboard")).content.decode()
    assert "My courses" in body and "0 of 1 modules" in body
    assert "Continue with Averages" in body


def test_it_does_not_enrol_on_get(people) -> None:
    CourseFactory(slug="stats")
    assert client_for(people.learner).get(reverse("enrol", args=["stats"])).status_code == 405


def test_it_hides_unpublished_courses_from_the_catalogue(people) -> None:
    CourseFactory(title="Secret draft", published=False, slug="draft")
    client = client_for(people.learner)
    assert "Secret draft" not in client.get(reverse("dashboard")).content.decode()
    assert client.post(reverse("enrol", args=["draft"])).status_code == 404


def test_it_shows_a_learner_only_their_own_enrolments(people) -> None:
    course = CourseFactory(title="Statistics")
    Enrollment.objects.create(user=people.teammate, course=course)
    body = client_for(people.learner).get(reverse("dashboard")).content.decode()
    assert "My courses" in body and "not enrolled in any course" in body

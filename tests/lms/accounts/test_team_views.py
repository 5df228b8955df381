from __future__ import annotations

from django.urls import reverse

from lms.learning.models import Enrollment
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory


def test_it_lists_only_managed_teams(people) -> None:
    response = client_for(people.manager).get(reverse("team_list"))
    assert response.status_code == 200
    assert "Analysts" in response.content.decode()
    assert "Sales" not in response.content.decode()


def test_it_shows_a_team_members_progress(people) -> None:
    course = CourseFactory(title="Statistics")
    Enrollment.objects.create(user=people.learner, course=course, modules_total=4, modules_completed=1)
    response = client_for(people.manager).get(reverse("team_detail", args=["analysts"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice" in body and "Statistics" in body and "1/4" in body


def test_it_hides_other_teams_from_a_manager(people) -> None:
    assert client_for(people.manager).get(reverse("team_detail", args=["sales"])).status_code == 404


def test_it_shows_every_team_to_an_admin(people) -> None:
    assert client_for(people.admin).get(reverse("team_detail", args=["sales"])).status_code == 200


def test_it_hides_teams_from_learners(people) -> None:
    client = client_for(people.learner)
    assert client.get(reverse("team_list")).status_code == 404
    assert client.get(reverse("team_detail", args=["analysts"])).status_code == 404


def test_it_rejects_post_on_team_pages(people) -> None:
    assert client_for(people.manager).post(reverse("team_list")).status_code == 405

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from adaptive.models import Assignment, LearnerState
from lms.analytics import team_views
from lms.learning.models import Enrollment
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, SkillFactory, UserFactory

URL = reverse("team_detail", args=["analysts"])


def test_it_lists_only_managed_teams(people) -> None:
    response = client_for(people.manager).get(reverse("team_list"))
    assert response.status_code == 200
    assert "Analysts" in response.content.decode()
    assert "Sales" not in response.content.decode()


def test_it_shows_a_team_members_progress(people) -> None:
    course = CourseFactory(title="Statistics")
    Enrollment.objects.create(user=people.learner, course=course, modules_total=4, modules_completed=1)
    response = client_for(people.manager).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice" in body and "Statistics" in body and "1/4" in body
    assert f'href="{reverse("analytics_learner", args=[people.learner.pk])}"' in body, "names lead to the learner"
    assert body.index("Assign a module") < body.index("<table"), "the assignment form comes first"


def test_it_hides_other_teams_from_a_manager(people) -> None:
    assert client_for(people.manager).get(reverse("team_detail", args=["sales"])).status_code == 404


def test_it_shows_every_team_to_an_admin(people) -> None:
    assert client_for(people.admin).get(reverse("team_detail", args=["sales"])).status_code == 200


def test_it_hides_teams_from_learners(people) -> None:
    client = client_for(people.learner)
    assert client.get(reverse("team_list")).status_code == 404
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"whole_team": "on"}).status_code == 404


def test_it_rejects_post_on_the_team_list_and_other_methods_on_a_team(people) -> None:
    assert client_for(people.manager).post(reverse("team_list")).status_code == 405
    assert client_for(people.manager).delete(URL).status_code == 405


# ----- paging, search and sort ------------------------------------------------------------------
@pytest.fixture
def big_team(people):
    """30 more members: names, last answers and estimates that sort differently."""
    course = CourseFactory(title="Statistics", published=True)
    skill = SkillFactory(slug="spread", name="Spread")
    ModuleFactory(course=course, title="Spread", order=1).skills.add(skill)
    now = timezone.now()
    for n in range(30):
        user = UserFactory(username=f"member{n:02d}", first_name="Member", last_name=f"{n:02d}")
        people.team.members.add(user)
        Enrollment.objects.create(user=user, course=course, modules_total=1,
                                  last_activity=now - timedelta(days=n) if n % 3 else None)
        LearnerState.objects.create(user=user, mastery={"spread": (n % 10) / 10})
    return people


def _names(response) -> list[str]:
    return [row.member.username for row in response.context["page"]]


def test_it_pages_the_members(big_team) -> None:
    client = client_for(big_team.manager)
    first = client.get(URL)
    assert len(first.context["page"]) == team_views.MEMBERS_PER_PAGE
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(URL, {"page": 2}).context["page"]) == 32 - team_views.MEMBERS_PER_PAGE
    assert len(client.get(URL, {"page": "nonsense"}).context["page"]) == team_views.MEMBERS_PER_PAGE


def test_it_finds_members_by_name(big_team) -> None:
    response = client_for(big_team.manager).get(URL, {"q": "member 0"})  # first and last name together
    assert _names(response) == [f"member0{n}" for n in range(10)]
    assert _names(client_for(big_team.manager).get(URL, {"q": "ALICE"})) == ["alice"]
    nobody = client_for(big_team.manager).get(URL, {"q": "zzz"})
    assert "Nobody in this team matches “zzz”." in nobody.content.decode()


def test_it_sorts_by_each_column(big_team) -> None:
    client = client_for(big_team.manager)
    by_activity = _names(client.get(URL, {"sort": "last_active", "q": "member"}))
    assert by_activity[:2] == ["member29", "member28"]  # longest away first, never active last
    by_mastery = _names(client.get(URL, {"sort": "mastery", "q": "member"}))
    assert by_mastery[:3] == ["member00", "member10", "member20"]  # lowest estimate first
    by_name_desc = _names(client.get(URL, {"sort": "name", "dir": "desc"}))
    assert by_name_desc[0] == "member29"
    assert _names(client.get(URL, {"sort": "bogus"}))[0] == "alice"  # unknown sort: by name


def test_it_sorts_by_overdue_work(big_team) -> None:
    module = ModuleFactory(course=CourseFactory(published=True), title="Late")
    Assignment.objects.create(module=module, learner=big_team.teammate, due=timezone.localdate() - timedelta(days=2),
                              assigned_by=big_team.manager)
    response = client_for(big_team.manager).get(URL, {"sort": "overdue"})
    assert _names(response)[0] == "bob" and response.context["page"][0].overdue == 1


# ----- assigning --------------------------------------------------------------------------------
def _assign(user, data: dict, slug: str = "analysts"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user).post(reverse("team_detail", args=[slug]), data)


def test_it_assigns_a_module_to_the_ticked_learners(people) -> None:
    module = ModuleFactory(course=CourseFactory(published=True), title="Spread")
    due = timezone.localdate() + timedelta(days=7)
    data = {"module": module.pk, "due": due.isoformat(), "learners": [people.learner.pk, people.teammate.pk]}
    client = client_for(people.manager)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(URL + "?sort=mastery&page=1", data)
    assert response.status_code == 302 and response["Location"] == URL + "?sort=mastery", "back to the same view"
    assert sorted(Assignment.objects.values_list("learner__username", flat=True)) == ["alice", "bob"]
    assert set(Assignment.objects.values_list("due", flat=True)) == {due}
    page = client.get(response["Location"]).content.decode()
    assert f"Spread is assigned to 2 learners, due {due:%-d %b %Y}." in page
    _assign(people.manager, data)
    assert Assignment.objects.count() == 2, "assigning again changes nothing"


def test_it_assigns_a_module_to_the_whole_team(people) -> None:
    module = ModuleFactory(course=CourseFactory(published=True))
    assert _assign(people.manager, {"module": module.pk, "whole_team": "on"}).status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.team == people.team and assignment.learner is None


def test_it_assigns_nothing_when_one_ticked_learner_is_not_in_the_team(people) -> None:
    module = ModuleFactory(course=CourseFactory(published=True))
    response = _assign(people.manager, {"module": module.pk, "learners": [people.learner.pk, people.outsider.pk]})
    assert response.status_code == 400
    assert "Tick only members of this team" in response.content.decode()
    assert not Assignment.objects.exists()


def test_it_assigns_nothing_when_the_manager_may_not_assign_one_of_them(people) -> None:
    people.team.members.add(people.manager)  # a manager in their own team cannot assign themselves
    module = ModuleFactory(course=CourseFactory(published=True))
    response = _assign(people.manager, {"module": module.pk, "learners": [people.learner.pk, people.manager.pk]})
    assert response.status_code == 400
    assert "Nothing was assigned: not in a team you manage: maria." in response.content.decode()
    assert not Assignment.objects.exists()


def test_it_says_what_is_missing(people) -> None:
    module = ModuleFactory(course=CourseFactory(published=True))
    nobody = _assign(people.manager, {"module": module.pk})
    assert nobody.status_code == 400
    assert "Tick at least one learner in the table, or assign to the whole team." in nobody.content.decode()
    past = _assign(people.manager, {"module": module.pk, "whole_team": "on", "due": "2000-01-01"})
    assert past.status_code == 400 and "Choose a date that is not in the past." in past.content.decode()
    assert not Assignment.objects.exists()


def test_it_keeps_assignments_to_teams_the_manager_manages(people) -> None:
    module = ModuleFactory(course=CourseFactory(published=True))
    assert _assign(people.manager, {"module": module.pk, "whole_team": "on"}, slug="sales").status_code == 404
    assert not Assignment.objects.exists()

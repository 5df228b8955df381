from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lms.content.models import Choice, ModuleQuestion, Question
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz


@pytest.fixture
def module(db: None):
    course = CourseFactory(title="Statistics", slug="stats")
    course.skills.add(SkillFactory(slug="averages", name="Averages"), SkillFactory(slug="spread", name="Spread"))
    return ModuleFactory(course=course, title="Means and medians")


def choice_rows(rows: list[tuple[str, bool, str]], *, ids: list[int] | None = None, spare: int = 2) -> dict[str, Any]:
    data: dict[str, Any] = {"choices-TOTAL_FORMS": str(len(rows) + spare), "choices-INITIAL_FORMS": "0"}
    for i, (text, correct, feedback) in enumerate(rows):
        data[f"choices-{i}-text"] = text
        data[f"choices-{i}-feedback"] = feedback
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
        if ids and i < len(ids):
            data[f"choices-{i}-choice_id"] = str(ids[i])
    return data


def single_choice(**overrides: Any) -> dict[str, Any]:
    """A single-choice question as the editor posts it; choice rows given in ``overrides`` replace the default ones."""
    data = {"key": "mean-1", "type": Question.SINGLE, "stem": "What is the **mean** of 2, 4 and 6?",
            "explanation": "Add them up and divide by three.", "difficulty": "2", "skills": [],
            "action": "save"}
    if not any(name.startswith("choices-") for name in overrides):
        data.update(choice_rows([("3", False, "That is half of six."), ("4", True, ""), ("6", False, "The largest.")]))
    data.update(overrides)
    return data


def new_url(module) -> str:
    return reverse("authoring_question_new", args=[module.pk])


def test_it_creates_a_single_choice_question_in_the_module(people, module) -> None:
    averages = module.course.skills.get(slug="averages")
    client = client_for(people.admin)
    response = client.post(new_url(module), single_choice(skills=[averages.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("authoring_course", args=["stats"])
    question = Question.objects.get(key="mean-1")
    assert question.type == Question.SINGLE and question.difficulty == 2
    assert [(c.text, c.is_correct, c.feedback) for c in question.choices.all()] == [
        ("3", False, "That is half of six."), ("4", True, ""), ("6", False, "The largest.")]
    assert list(question.skills.values_list("slug", flat=True)) == ["averages"]
    assert module.quiz_questions() == [question]
    outline = client.get(response["Location"]).content.decode()
    assert "mean-1" in outline and "Question mean-1 saved." in outline


def test_it_refuses_a_question_with_plain_word_errors_and_writes_nothing(people, module) -> None:
    client = client_for(people.admin)
    data = single_choice(stem="", **choice_rows([("3", False, ""), ("4", False, "")]))
    response = client.post(new_url(module), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "Write the question." in body
    assert "Tick at least one skill this question trains." in body
    assert not Question.objects.exists() and not ModuleQuestion.objects.exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"type": Question.SINGLE, **choice_rows([("3", False, ""), ("4", False, "")])},
     "Tick exactly one choice as correct."),
    ({"type": Question.MULTIPLE, **choice_rows([("3", False, ""), ("4", False, "")])},
     "Tick at least one choice as correct."),
    ({"type": Question.SINGLE, **choice_rows([("4", True, "")])}, "Give at least two choices."),
    ({"type": Question.SINGLE, **choice_rows([("3", False, ""), ("", True, "Oops")])},
     "Write the choice&#x27;s text, or clear its row."),
    ({"type": Question.TRUE_FALSE}, "Choose whether the statement is true or false."),
    ({"type": Question.NUMERIC, "numeric_answer": ""}, "Enter the correct number."),
    ({"type": Question.SHORT_TEXT, "accepted_answers": "  \n "}, "Give at least one accepted answer."),
    ({"key": "has spaces"}, "Use only letters, digits, dots, hyphens and underscores in the key."),
])
def test_it_checks_each_type(people, module, changes: dict[str, Any], message: str) -> None:
    skill = module.course.skills.first()
    response = client_for(people.admin).post(new_url(module), single_choice(skills=[skill.pk], **changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_it_refuses_a_key_already_taken(people, module) -> None:
    QuestionFactory(key="mean-1")
    skill = module.course.skills.first()
    response = client_for(people.admin).post(new_url(module), single_choice(skills=[skill.pk]))
    assert response.status_code == 422 and "Another question already has this key" in response.content.decode()
    assert module.module_questions.count() == 0


def test_it_saves_a_numeric_question_without_the_fields_of_other_types(people, module) -> None:
    skill = module.course.skills.first()
    data = single_choice(type=Question.NUMERIC, numeric_answer="4", numeric_tolerance="0.5", skills=[skill.pk],
                         accepted_answers="four", true_false_answer="true")
    assert client_for(people.admin).post(new_url(module), data).status_code == 302
    question = Question.objects.get(key="mean-1")
    assert (question.numeric_answer, question.numeric_tolerance) == (4.0, 0.5)
    assert question.accepted_answers == [] and question.true_false_answer is None
    assert not question.choices.exists()


def test_editing_keeps_the_choice_ids_learners_answers_point_to(people, module) -> None:
    question = QuestionFactory(key="mean-2")
    question.skills.add(module.course.skills.first())
    add_to_quiz(module, question)
    ids = list(question.choices.values_list("pk", flat=True))
    url = reverse("authoring_question", args=[module.pk, question.pk])
    client = client_for(people.admin)
    page = client.get(url).content.decode()
    assert 'value="mean-2"' in page and "disabled" in page, "the key is shown but cannot change"
    data = single_choice(key="renamed", skills=[s.pk for s in question.skills.all()],
                         **choice_rows([("three", False, "Count again."), ("four", True, "")], ids=ids[:2]))
    assert client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.key == "mean-2"
    assert [(c.pk, c.text) for c in question.choices.all()] == [(ids[0], "three"), (ids[1], "four")]
    assert module.module_questions.count() == 1, "saving again does not add the question twice"
    # A choice id that is not this question's is refused.
    other = QuestionFactory()
    stranger = other.choices.first().pk
    data = single_choice(skills=[s.pk for s in question.skills.all()],
                         **choice_rows([("three", False, ""), ("four", True, "")], ids=[stranger]))
    assert client.post(url, data).status_code == 422
    assert Choice.objects.filter(pk=stranger, question=other).exists()


def test_it_previews_without_saving(people, module) -> None:
    client = client_for(people.admin)
    response = client.post(new_url(module), single_choice(action="preview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>mean</strong>" in body and "That is half of six." in body
    fragment = client.post(new_url(module), single_choice(), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "Add them up and divide by three." in fragment.content.decode()
    assert not Question.objects.exists()


def test_it_shows_the_outline(people, module) -> None:
    question = QuestionFactory(key="mean-3", stem="Which is the median?")
    add_to_quiz(module, question)
    spread = module.course.skills.get(slug="spread")
    spread.prerequisites.add(module.course.skills.get(slug="averages"))
    client = client_for(people.admin)
    assert "Statistics" in client.get(reverse("authoring_courses")).content.decode()
    body = client.get(reverse("authoring_course", args=["stats"])).content.decode()
    assert "Means and medians" in body and "Which is the median?" in body
    assert "<th scope=\"row\">Spread</th><td>Averages</td>" in body
    assert body.count("<rect") == 2 and body.count("marker-end") == 1, "the graph: two skills, one arrow"


@pytest.mark.parametrize("who", ["learner", "manager"])
def test_it_refuses_everyone_but_admins(people, module, who: str) -> None:
    client = client_for(getattr(people, who))
    assert client.get(reverse("authoring_courses")).status_code == 403
    assert client.get(reverse("authoring_course", args=["stats"])).status_code == 403
    assert client.post(new_url(module), single_choice()).status_code == 403
    assert not Question.objects.exists()


def test_it_sends_signed_out_people_to_sign_in(client, module) -> None:
    response = client.get(reverse("authoring_courses"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_only_edits_a_question_through_a_module_that_has_it(people, module) -> None:
    question = QuestionFactory()
    assert client_for(people.admin).get(reverse("authoring_question", args=[module.pk, question.pk])).status_code == 404
    assert client_for(people.admin).delete(new_url(module)).status_code == 405


# ----- modules ---------------------------------------------------------------------------------
def module_data(**overrides: Any) -> dict[str, Any]:
    data = {"title": "Spread", "slug": "spread", "body": "# Spread\n\nHow far values sit apart.",
            "estimated_minutes": "7", "skills": []}
    data.update(overrides)
    return data


def test_it_adds_a_module_at_the_end_of_the_course(people, module) -> None:
    spread = module.course.skills.get(slug="spread")
    client = client_for(people.admin)
    response = client.post(reverse("authoring_module_new", args=["stats"]), module_data(skills=[spread.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("authoring_course", args=["stats"])
    added = module.course.modules.get(slug="spread")
    assert added.order > module.order and added.estimated_minutes == 7
    assert list(added.skills.values_list("slug", flat=True)) == ["spread"]
    assert "Module Spread saved." in client.get(response["Location"]).content.decode()


def test_it_edits_a_module_and_refuses_a_taken_address(people, module) -> None:
    client = client_for(people.admin)
    other = ModuleFactory(course=module.course, slug="taken", title="Taken")
    url = reverse("authoring_module", args=["stats", module.pk])
    assert 'value="Means and medians"' in client.get(url).content.decode()
    response = client.post(url, module_data(slug="taken", title="Renamed"))
    assert response.status_code == 422
    assert "Another module of this course has this address name" in response.content.decode()
    module.refresh_from_db()
    assert module.title == "Means and medians"
    assert client.post(url, module_data(slug="Not A Slug")).status_code == 422
    assert client.post(url, module_data(title="Renamed", slug=module.slug)).status_code == 302
    module.refresh_from_db()
    assert module.title == "Renamed" and other.title == "Taken"


def test_it_refuses_modules_to_others_and_modules_of_another_course(people, module) -> None:
    assert client_for(people.manager).post(reverse("authoring_module_new", args=["stats"]),
                                           module_data()).status_code == 403
    elsewhere = ModuleFactory()
    url = reverse("authoring_module", args=["stats", elsewhere.pk])
    assert client_for(people.admin).get(url).status_code == 404
    assert module.course.modules.count() == 1


def test_the_skill_graph_puts_each_skill_after_what_it_needs(db: None) -> None:
    from lms.content.models import Skill
    from lms.content.skill_graph import skill_depths, skill_graph_svg

    basics, averages, spread, outliers = (SkillFactory(name=n) for n in ("Basics", "Averages", "Spread", "Outliers"))
    averages.prerequisites.add(basics)
    spread.prerequisites.add(averages, basics)
    outliers.prerequisites.add(SkillFactory(name="Not in this course"))
    skills = list(Skill.objects.filter(pk__in=[s.pk for s in (basics, averages, spread, outliers)])
                  .prefetch_related("prerequisites"))
    assert skill_depths(skills) == {basics.pk: 0, averages.pk: 1, spread.pk: 2, outliers.pk: 0}
    svg = skill_graph_svg(skills)
    assert svg.count("<rect") == 4 and svg.count("<line") == 3, "only arrows between the course's skills"
    assert skill_graph_svg([]) == ""

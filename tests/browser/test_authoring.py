"""An admin writes a question in the product's own pages: from Write content to the course outline,
a new single-choice question with a live preview as they type, a mistake explained in plain words
with nothing saved, then saved and listed in the module's quiz. Each page scanned with axe-core (no
serious or critical violations), at desktop and phone widths. Screenshots and axe reports go to
test-results/screenshots/authoring/."""

from __future__ import annotations

import pytest

from lms.content.models import Question
from tests.browser.axe import serious_violations
from tests.browser.csp import watch_csp
from tests.browser.session import sign_in
from tests.lms.factories import CourseFactory, ModuleFactory, SkillFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course():  # type: ignore[no-untyped-def]
    UserFactory(username="author", role="admin")
    course = CourseFactory(title="Statistics", slug="stats")
    averages = SkillFactory(slug="averages", name="Averages")
    spread = SkillFactory(slug="spread", name="Spread")
    spread.prerequisites.add(averages)
    course.skills.add(averages, spread)
    ModuleFactory(course=course, title="Means and medians", order=0)
    ModuleFactory(course=course, title="Spread", order=1)
    return course


# Screenshots keep the caret: hiding it takes an inline style, which the site's Content-Security-Policy refuses.
def _page_fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_writes_a_question_with_a_live_preview(course, live_server, browser, screenshot_dir,
                                                        width: int) -> None:
    shots = screenshot_dir / "authoring"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = watch_csp(page)

    sign_in(page, live_server.url, "author", "correct-horse-battery")
    page.get_by_role("link", name="Write content").click()
    page.get_by_role("link", name="Statistics").click()
    page.get_by_role("heading", level=1, name="Statistics").wait_for()
    assert "Averages" in page.get_by_role("row", name="Spread").inner_text(), "what Spread needs first"
    page.screenshot(path=str(shots / f"{width}-01-outline.png"), full_page=True, caret="initial")
    assert serious_violations(page, shots / f"axe-{width}-outline.json") == []
    assert _page_fits(page)

    page.get_by_role("link", name="Add a question to Means and medians").click()
    page.get_by_label("Key").fill(f"median-{width}")
    assert page.get_by_label("Correct answer").first.is_hidden(), "a choice question shows no other type's answer"
    page.get_by_label("Question", exact=True).fill("Which is the **median** of 1, 3 and 8?")
    page.get_by_label("Choice 1", exact=True).fill("3")
    page.get_by_label("Choice 2", exact=True).fill("4")
    page.locator("#id_choices-1-feedback").fill("That is the mean.")
    page.get_by_label("Explanation").fill("The middle value once sorted.")
    page.get_by_label("Averages").check()
    preview = page.locator("#preview")
    preview.locator("strong", has_text="median").wait_for()  # the Markdown, rendered as the learner sees it
    preview.get_by_text("That is the mean.").wait_for()
    page.screenshot(path=str(shots / f"{width}-02-editor-preview.png"), full_page=True, caret="initial")
    assert serious_violations(page, shots / f"axe-{width}-editor.json") == []
    assert _page_fits(page)

    page.get_by_role("button", name="Save question").click()  # no choice ticked as correct yet
    problems = page.get_by_role("alert")
    problems.get_by_text("Tick exactly one choice as correct.").wait_for()
    assert "Nothing was saved" in problems.inner_text()
    assert not Question.objects.filter(key=f"median-{width}").exists()
    page.screenshot(path=str(shots / f"{width}-03-editor-error.png"), full_page=True, caret="initial")
    assert serious_violations(page, shots / f"axe-{width}-editor-error.json") == []

    page.locator("#id_choices-0-is_correct").check()
    page.get_by_role("button", name="Save question").click()
    page.get_by_text(f"Question median-{width} saved.").wait_for()
    row = page.get_by_role("row", name=f"median-{width}")
    assert "Single choice" in row.inner_text() and "Averages" in row.inner_text()
    question = Question.objects.get(key=f"median-{width}")
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("3", True), ("4", False)]
    page.screenshot(path=str(shots / f"{width}-04-saved.png"), full_page=True, caret="initial")
    assert csp_violations == [], '\n'.join(csp_violations)
    context.close()

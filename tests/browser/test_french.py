"""A learner whose browser asks for French gets Pathwise in French, takes a quiz step in it, and can
switch to English on their account page, which then wins over the browser, on a phone-sized screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from lms.accounts.models import Preferences
from lms.content.models import Module
from tests.browser.csp import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def french_page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_french_browser_gets_french_and_the_account_page_switches_to_english(
        live_server, french_page, screenshot_dir) -> None:
    page = french_page
    call_command("setup_demo", verbosity=0)
    module = Module.objects.filter(course__slug="data-literacy").order_by("order").first()
    csp_violations = watch_csp(page)

    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Identifiant").fill("learner")
    page.get_by_label("Mot de passe").fill("learn-with-pathwise")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Mes cours").wait_for()
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon apprentissage").wait_for()
    page.screenshot(path=str(screenshot_dir / "fr-dashboard.png"), full_page=True)

    page.goto(f"{live_server.url}{module.get_absolute_url()}")
    page.get_by_role("heading", name="Vérifiez ce que vous avez compris").wait_for()
    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_text(re.compile(r"Question 1 · \d+ au plus")).wait_for()
    page.get_by_role("button", name="Vérifier la réponse").click()  # nothing chosen: the error, in French
    page.get_by_role("alert").wait_for()
    assert re.search(r"Choisissez|Saisissez|Écrivez", page.get_by_role("alert").inner_text())
    page.screenshot(path=str(screenshot_dir / "fr-quiz.png"), full_page=True)

    page.goto(f"{live_server.url}/accounts/me/")
    page.get_by_role("heading", level=1, name="Votre compte").wait_for()
    page.get_by_label("Langue", exact=True).select_option("en-gb")
    page.get_by_label("Fuseau horaire", exact=True).select_option("Europe/Paris")
    page.get_by_role("button", name="Enregistrer la langue et le fuseau horaire").click()
    page.get_by_role("heading", level=1, name="Your account").wait_for()  # the choice wins over the browser
    page.get_by_text("Your language and time zone are saved.").wait_for()
    assert page.locator("html").get_attribute("lang") == "en-gb"
    row = Preferences.objects.get(user__username="learner")
    assert (row.language, row.time_zone) == ("en-gb", "Europe/Paris")
    assert csp_violations == []

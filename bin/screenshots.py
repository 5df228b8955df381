"""Screenshots of the pages a first-time user meets, from a running install (bin/demo), as the demo
learner, manager and admin: the same pages whatever the version, so two installs (an older checkout
and this one) can be compared side by side. docs/screenshots/ holds a before/after set taken so.

    .venv/bin/python bin/screenshots.py http://127.0.0.1:8000 docs/screenshots/after

Each page at 1280 x 900 (the first screen, not the whole page), the learner's home and the
manager's dashboards at 390 x 844 as well (a phone), and the quiz before and after "Check answer"
with nothing chosen. A page the install does not have (a 404) is skipped and named. Needs
Playwright's Chromium (``/usr/bin/chromium`` where there is one).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

USERS = {"learner": "learn-with-pathwise", "manager": "manage-with-pathwise", "admin": "admin-with-pathwise"}
PAGES = {
    "learner": [("learner-home", "/"), ("course", "/courses/data-literacy/"),
                ("module", "/courses/data-literacy/what-is-data/"), ("diary", "/diary/")],
    "manager": [("manager-this-week", "/analytics/week/"), ("manager-overview", "/analytics/"),
                ("teams", "/accounts/teams/")],
    "admin": [("admin-questions", "/admin/content/question/"), ("author", "/author/")],
}
PHONE = {"learner-home", "manager-this-week", "manager-overview"}


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    if "login" in page.url:
        raise SystemExit(f"could not sign in as {username} at {base} (still on {page.url})")


def take_quiz_shots(page: Page, out: Path) -> None:
    start = page.locator("form button:has-text('quiz'), form button:has-text('Quiz')").first
    if not start.count():
        print("  no quiz button on the module page: quiz skipped", file=sys.stderr)
        return
    start.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "quiz-question.png"))
    check = page.locator("form button[type=submit]:has-text('Check')").first
    if check.count():
        check.click()
        page.wait_for_timeout(1000)  # htmx swaps the message in, or (before that worked) nothing happens
        page.screenshot(path=str(out / "quiz-nothing-chosen.png"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="The install's address, e.g. http://127.0.0.1:8000")
    parser.add_argument("out", type=Path, help="Folder for the PNG files (created).")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)  # None: Playwright's own build
            for role, pages in PAGES.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                sign_in(page, base, role, USERS[role])
                for name, path in pages:
                    response = page.goto(base + path)
                    if response is None or response.status == 404:
                        print(f"  {name}: {path} not on this install, skipped", file=sys.stderr)
                        continue
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(args.out / f"{name}.png"))
                    print(f"{name}: {page.url} ({page.title()})")
                    if name in PHONE:
                        phone = browser.new_context(viewport={"width": 390, "height": 844},
                                                    storage_state=context.storage_state())
                        small = phone.new_page()
                        small.goto(base + path)
                        small.wait_for_load_state("networkidle")
                        small.screenshot(path=str(args.out / f"{name}-phone.png"))
                        phone.close()
                    if name == "module":
                        take_quiz_shots(page, args.out)
                context.close()
            browser.close()
    except PlaywrightError as error:
        raise SystemExit(f"the browser failed: {error}") from None


if __name__ == "__main__":
    main()

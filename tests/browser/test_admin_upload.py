"""An admin uploads a course package in the admin, reads the preview, and imports it, in Chromium."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from lms.content.models import Course
from tests.browser.csp import watch_csp
from tests.lms.content.package_builder import write_package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_uploads_a_course_package_in_the_admin(live_server, page, tmp_path: Path, screenshot_dir) -> None:
    call_command("setup_demo", verbosity=0)
    folder = write_package(tmp_path / "counting")
    package = tmp_path / "counting.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"counting/{file.relative_to(folder)}")
    csp_violations = watch_csp(page)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin-with-pathwise")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto(f"{live_server.url}/admin/content/course/")
    page.get_by_role("link", name="Import a course package").click()
    page.get_by_label("Course package (.zip)").set_input_files(str(package))
    page.get_by_role("button", name="Preview").click()

    page.get_by_text("Course 'counting' would be created.").wait_for()
    page.get_by_role("heading", name="Suggested skills").wait_for()
    assert not Course.objects.filter(slug="counting").exists(), "the preview writes nothing"
    page.screenshot(path=str(screenshot_dir / "admin-upload-preview.png"), full_page=True)
    page.get_by_role("button", name="Import").click()

    page.get_by_text("Imported counting.zip. Course 'counting' created.").wait_for()
    assert Course.objects.get(slug="counting").modules.count() == 2
    assert csp_violations == [], "the upload pages work under the Content-Security-Policy"

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.content.models import Course, Module, Question, Skill
from tests.lms.content.package_builder import course_data, write_package

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_course_and_prints_the_report(tmp_path: Path) -> None:
    out, _err = run("import_course", str(write_package(tmp_path / "counting")))

    assert "Course 'counting' created." in out
    assert "modules: 2 created" in out
    assert Module.objects.count() == 2


def test_it_prints_every_problem_and_imports_nothing(tmp_path: Path) -> None:
    course = course_data()
    course["target_success"] = 3
    course["modules"][0]["quiz"] = ["cnt-nine"]
    err = StringIO()

    with pytest.raises(CommandError, match="2 problems; nothing was imported"):
        call_command("import_course", str(write_package(tmp_path / "bad", course=course)), stderr=err)

    assert err.getvalue().splitlines() == [
        "course.yaml: target_success: must be between 0.5 and 0.95 (found 3)",
        "course.yaml: modules[0].quiz[0]: unknown question key 'cnt-nine'",
    ]
    assert not Course.objects.exists() and not Question.objects.exists()


def test_it_exits_with_status_1_on_an_invalid_package(tmp_path: Path) -> None:
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "import_course", str(tmp_path / "missing")])
    with pytest.raises(SystemExit) as caught:
        utility.execute()
    assert caught.value.code == 1


def test_it_exports_a_course_to_a_zip(tmp_path: Path) -> None:
    run("import_course", str(write_package(tmp_path / "counting")))

    out, _err = run("export_course", "counting", str(tmp_path / "counting.zip"))

    assert f"Exported 'counting' to {tmp_path / 'counting.zip'}" in out
    Course.objects.all().delete()
    out, _err = run("import_course", str(tmp_path / "counting.zip"))
    assert "Course 'counting' created." in out


def test_it_names_an_unknown_course(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no course with the slug 'nope'"):
        run("export_course", "nope", str(tmp_path / "out"))


def test_it_imports_gift_with_options(tmp_path: Path) -> None:
    Skill.objects.create(slug="spread", name="Spread")
    gift = tmp_path / "spread-bank.gift"
    gift.write_text("::Range::What is the range of 1, 5?{#4}\n\n::Match::Pair.{=a -> b =c -> d}\n")

    out, _err = run("import_gift", str(gift), "--skill", "spread", "--difficulty", "4")

    assert "1 new, 0 updated and 0 unchanged questions; 1 skipped as unsupported." in out
    assert "line 3 'Match': matching questions" in out
    question = Question.objects.get(key="spread-bank-range")  # the prefix defaults to the file name
    assert (question.difficulty, question.numeric_answer) == (4, 4.0)


def test_it_writes_nothing_on_a_gift_dry_run(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text("$CATEGORY: Spread\n\n::Range::What is the range of 1, 5?{#4}\n")

    out, _err = run("import_gift", str(gift), "--prefix", "sp", "--dry-run")

    assert "Dry run: nothing was written." in out
    assert "sp-range" in out
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_reports_gift_syntax_errors(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text("$CATEGORY: Spread\n\n::Open::What? {=a ~b\n")
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        call_command("import_gift", str(gift), stderr=err)

    assert f"{gift}: line 3 (Open): the answer block is not closed" in err.getvalue()

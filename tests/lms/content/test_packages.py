from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from lms.content.importing import ImportInvalid, ImportProblem
from lms.content.models import Choice, Course, Module, ModuleImage, ModuleQuestion, Question, Skill
from lms.content.packages.exporting import course_package_export
from lms.content.packages.writing import PackageReport, course_package_import
from lms.learning.models import Response
from tests.lms.content.package_builder import (
    ADDING_BODY,
    INTRO_BODY,
    PNG,
    SVG,
    course_data,
    questions_data,
    snapshot,
    write_package,
    zip_folder,
)
from tests.lms.factories import ModuleFactory, SkillFactory, UserFactory, add_to_quiz

pytestmark = pytest.mark.django_db

CONTENT_MODELS = (Course, Skill, Skill.prerequisites.through, Course.skills.through, Question, Choice,
                  Question.skills.through, Module, Module.skills.through, ModuleQuestion, ModuleImage)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CONTENT_MODELS}


def wipe_content() -> None:
    Course.objects.all().delete()
    Question.objects.all().delete()
    Skill.objects.all().delete()


def test_it_imports_a_package(tmp_path: Path) -> None:
    report = course_package_import(path=write_package(tmp_path / "counting"))

    assert report.created == {"courses": 1, "skills": 3, "questions": 5, "modules": 2, "images": 2}
    assert report.changed
    assert "created" in report.summary()
    course = Course.objects.get(slug="counting")
    assert (course.title, course.target_success, course.mastery_threshold) == ("Counting", 0.75, 0.9)
    assert sorted(course.skills.values_list("slug", flat=True)) == ["basics", "charts", "sums"]
    assert list(Skill.objects.get(slug="sums").prerequisites.values_list("slug", flat=True)) == ["basics"]
    intro, adding = course.modules.order_by("order")
    assert intro.body == INTRO_BODY  # stored as written: image paths stay package paths
    assert adding.body == ADDING_BODY
    assert adding.video_url == "https://www.youtube.com/watch?v=abc123"
    assert [q.key for q in adding.quiz_questions()] == ["cnt-num", "cnt-short", "cnt-single"]
    chart, photo = intro.images.order_by("order")
    assert (chart.filename, chart.content_type, chart.read_bytes(), chart.alt, chart.caption) == (
        "chart.svg", "image/svg+xml", SVG, "A bar chart of three bars", "Three bars")
    assert (photo.filename, photo.content_type, photo.read_bytes()) == ("photo.png", "image/png", PNG)
    single = Question.objects.get(key="cnt-single")
    assert [(c.text, c.is_correct, c.feedback) for c in single.choices.all()] == [
        ("2", False, "Count again."), ("3", True, "Right."), ("4", False, "")]
    assert Question.objects.get(key="cnt-num").numeric_tolerance == 0.05
    short = Question.objects.get(key="cnt-short")
    assert (short.accepted_answers, short.case_sensitive) == (["four", "Four"], True)
    assert Question.objects.get(key="cnt-tf").true_false_answer is True


def test_it_changes_nothing_when_the_same_package_is_imported_again(tmp_path: Path) -> None:
    package = write_package(tmp_path / "counting")
    course_package_import(path=package)
    stamps = sorted(Question.objects.values_list("updated", flat=True))
    choice_ids = sorted(Choice.objects.values_list("id", flat=True))

    report = course_package_import(path=package)

    assert not report.changed
    assert report.unchanged == {"courses": 1, "skills": 3, "questions": 5, "modules": 2, "images": 2}
    assert "nothing changed" in report.summary()
    assert sorted(Question.objects.values_list("updated", flat=True)) == stamps
    assert sorted(Choice.objects.values_list("id", flat=True)) == choice_ids


def test_it_removes_modules_images_and_quiz_links_dropped_from_the_package(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "v1"))
    course = course_data()
    del course["modules"][1]
    course["modules"][0]["images"] = course["modules"][0]["images"][:1]
    course["modules"][0]["quiz"] = ["cnt-tf", "cnt-single"]

    report = course_package_import(path=write_package(tmp_path / "v2", course=course))

    assert report.removed["modules"] == 1
    assert report.removed["images"] == 1
    assert list(Module.objects.values_list("slug", flat=True)) == ["intro"]
    assert list(ModuleImage.objects.values_list("filename", flat=True)) == ["chart.svg"]
    assert [q.key for q in Module.objects.get().quiz_questions()] == ["cnt-tf", "cnt-single"]
    assert Question.objects.filter(key="cnt-num").exists()  # the bank keeps its questions


def test_it_updates_questions_in_place_keeping_choice_ids(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "v1"))
    ids = list(Question.objects.get(key="cnt-single").choices.values_list("id", flat=True))
    questions = questions_data()
    questions[0]["choices"][2]["text"] = "Five"
    questions[0]["difficulty"] = 2

    report = course_package_import(path=write_package(tmp_path / "v2", questions=questions))

    assert report.updated["questions"] == 1
    assert report.unchanged["questions"] == 4
    single = Question.objects.get(key="cnt-single")
    assert single.difficulty == 2
    assert list(single.choices.values_list("id", flat=True)) == ids
    assert single.choices.get(order=2).text == "Five"


@pytest.mark.parametrize("target", ["exported", "exported.zip"])
def test_it_round_trips_through_export_and_import(tmp_path: Path, target: str) -> None:
    course_package_import(path=write_package(tmp_path / "counting"))
    before = snapshot("counting")

    out = course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / target)
    wipe_content()
    report = course_package_import(path=out)

    assert report.created["courses"] == 1
    assert snapshot("counting") == before


def test_it_exports_the_same_bytes_every_time(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "counting"))
    course = Course.objects.get(slug="counting")

    first = course_package_export(course=course, path=tmp_path / "a.zip").read_bytes()
    second = course_package_export(course=course, path=tmp_path / "b.zip").read_bytes()
    course_package_export(course=course, path=tmp_path / "folder")
    course_package_export(course=course, path=tmp_path / "folder")  # over an earlier export

    assert first == second
    files = sorted(p.relative_to(tmp_path / "folder").as_posix() for p in (tmp_path / "folder").rglob("*")
                   if p.is_file())
    assert files == ["course.yaml", "images/chart.svg", "images/photo.png", "modules/adding.md",
                     "modules/intro.md", "questions.yaml"]
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.read("counting/modules/intro.md").decode() == INTRO_BODY


def test_it_refuses_to_export_into_a_folder_that_is_not_a_package(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "counting"))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")

    with pytest.raises(FileExistsError):
        course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_it_exports_skills_from_other_courses_so_the_package_stands_alone(tmp_path: Path) -> None:
    shared = SkillFactory(slug="shared-skill")
    shared.prerequisites.add(SkillFactory(slug="deeper-skill"))
    course_package_import(path=write_package(tmp_path / "counting"))
    Module.objects.get(slug="intro").skills.add(shared)

    out = course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / "out")
    wipe_content()
    course_package_import(path=out)

    assert Skill.objects.get(slug="shared-skill").prerequisites.get().slug == "deeper-skill"
    assert "shared-skill" in Module.objects.get(slug="intro").skills.values_list("slug", flat=True)


def test_it_reads_json_and_a_zip_without_a_top_folder(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "counting", course=None, files={"course.yaml": None})
    (folder / "course.json").write_text(json.dumps(course_data(), indent="\t"))
    package = zip_folder(folder, tmp_path / "counting.zip")

    report = course_package_import(path=package)

    assert report.created["modules"] == 2


def test_it_warns_when_a_question_shared_with_another_course_changes_type(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "v1"))
    add_to_quiz(ModuleFactory(course__slug="other-course"), Question.objects.get(key="cnt-single"))
    questions = questions_data()
    questions[0] = {"key": "cnt-single", "type": "true_false", "stem": "Three bars?", "difficulty": 1,
                    "skills": ["charts"], "explanation": "Yes.", "answer": True}

    report = course_package_import(path=write_package(tmp_path / "v2", questions=questions))

    assert any("cnt-single" in w and "other-course" in w and "true_false" in w for w in report.warnings)
    single = Question.objects.get(key="cnt-single")
    assert (single.type, single.true_false_answer, single.choices.count()) == ("true_false", True, 0)


# --- Invalid packages -------------------------------------------------------------------------------

Change = Callable[[dict[str, Any], list[dict[str, Any]], dict[str, Any]], None]


def _set(container: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = value


def _course(*path: Any, value: Any) -> Change:
    return lambda course, questions, files: _set(course, path, value)


def _question(*path: Any, value: Any) -> Change:
    return lambda course, questions, files: _set(questions, path, value)


def _file(name: str, value: bytes | str | None) -> Change:
    return lambda course, questions, files: files.__setitem__(name, value)


def _delete(*path: Any) -> Change:
    def change(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
        container: Any = course
        for step in path[:-1]:
            container = container[step]
        del container[path[-1]]
    return change


def _cycle(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
    course["skills"][0]["prerequisites"] = ["sums"]


def _two_correct(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
    questions[0]["choices"][0]["correct"] = True


def _no_correct(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
    for choice in questions[1]["choices"]:
        choice.pop("correct", None)


def _duplicate_skill(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
    course["skills"][2]["slug"] = "sums"


def _duplicate_key(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
    questions[1]["key"] = "cnt-single"


def _course_json(text: str) -> Change:
    def change(course: dict[str, Any], questions: list[dict[str, Any]], files: dict[str, Any]) -> None:
        files.update({"course.yaml": None, "course.json": text})

    return change


def _nested(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


DEEP = 100_000
BASE_COURSE_FIELDS = {"format": "pathwise-course/1", "slug": "counting"}

BAD_PACKAGES: list[tuple[str, Change, str, str, str]] = [
    ("100,000 levels of YAML", _file("questions.yaml", "[" * DEEP + "]" * DEEP), "questions.yaml", "",
     "nested more than 20 levels deep"),
    ("100,000 levels of JSON", _course_json('{"a":' * DEEP + "1" + "}" * DEEP), "course.json", "",
     "nested more than 20 levels deep"),
    ("nested past the limit", _course("modules", 0, "images", value=_nested(25)), "course.yaml",
     "modules[0].images[0][0]", "nested more than 20 levels deep"),
    ("NUL in a YAML title", _course("title", value="me\x00an"), "course.yaml", "title", "NUL characters"),
    ("NUL in a choice", _question(0, "choices", 1, "text", value="\x00"), "questions.yaml", "[0].choices[1].text",
     "NUL characters"),
    ("NUL in a key", _course("skills", 0, "na\x00me", value="x"), "course.yaml", "skills[0]",
     "keys must not contain NUL"),
    ("lone surrogate in JSON", _course_json(json.dumps({**BASE_COURSE_FIELDS, "title": "\ud800"})), "course.json",
     "title", "unpaired surrogates"),
    ("NUL in a module file", _file("modules/intro.md", "# Intro\n\nme\x00an\n"), "course.yaml", "modules[0].file",
     "modules/intro.md: line 3 contains a NUL character"),
    ("wrong format", _course("format", value="pathwise-course/2"), "course.yaml", "format", "pathwise-course/1"),
    ("missing title", _delete("title"), "course.yaml", "title", "required"),
    ("bad course slug", _course("slug", value="Counting Course"), "course.yaml", "slug", "not valid"),
    ("target out of range", _course("target_success", value=0.99), "course.yaml", "target_success",
     "between 0.5 and 0.95"),
    ("mastery out of range", _course("mastery_threshold", value=0.3), "course.yaml", "mastery_threshold",
     "between 0.5 and 0.99"),
    ("zero minutes", _course("modules", 0, "estimated_minutes", value=0), "course.yaml",
     "modules[0].estimated_minutes", "from 1"),
    ("minutes as text", _course("modules", 1, "estimated_minutes", value="ten"), "course.yaml",
     "modules[1].estimated_minutes", "whole number"),
    ("difficulty out of range", _question(0, "difficulty", value=7), "questions.yaml", "[0].difficulty",
     "from 1 to 5"),
    ("missing difficulty", lambda c, q, f: q[2].pop("difficulty"), "questions.yaml", "[2].difficulty", "required"),
    ("duplicate skill", _duplicate_skill, "course.yaml", "skills[2].slug", "listed twice"),
    ("duplicate module slug", _course("modules", 1, "slug", value="intro"), "course.yaml", "modules[1].slug",
     "listed twice"),
    ("skill without a name", _delete("skills", 0, "name"), "course.yaml", "skills[0].name", "required"),
    ("duplicate question key", _duplicate_key, "questions.yaml", "[1].key", "used twice"),
    ("bad question key", _question(3, "key", value="cnt num!"), "questions.yaml", "[3].key", "not valid"),
    ("unknown module skill", _course("modules", 0, "skills", value=["basics", "nowhere"]), "course.yaml",
     "modules[0].skills[1]", "unknown skill 'nowhere'"),
    ("unknown prerequisite", _course("skills", 1, "prerequisites", value=["ghost"]), "course.yaml",
     "skills[1].prerequisites[0]", "unknown skill 'ghost'"),
    ("unknown question skill", _question(4, "skills", value=["ghost"]), "questions.yaml", "[4].skills[0]",
     "unknown skill 'ghost'"),
    ("unknown quiz key", _course("modules", 1, "quiz", value=["cnt-num", "cnt-nine"]), "course.yaml",
     "modules[1].quiz[1]", "unknown question key 'cnt-nine'"),
    ("prerequisite cycle", _cycle, "course.yaml", "skills", "prerequisite cycle: basics -> sums -> basics"),
    ("single choice with two correct", _two_correct, "questions.yaml", "[0].choices",
     "exactly one correct choice (found 2)"),
    ("multiple choice with none correct", _no_correct, "questions.yaml", "[1].choices", "at least one correct"),
    ("one choice only", _question(1, "choices", value=[{"text": "2", "correct": True}]), "questions.yaml",
     "[1].choices", "at least 2 choices"),
    ("true/false as text", _question(2, "answer", value="yes"), "questions.yaml", "[2].answer",
     "true or false"),
    ("infinite numeric answer", _question(3, "answer", value=float("inf")), "questions.yaml", "[3].answer",
     "finite"),
    ("negative tolerance", _question(3, "tolerance", value=-0.1), "questions.yaml", "[3].tolerance", "at least 0"),
    ("no accepted answers", _question(4, "accepted", value=[]), "questions.yaml", "[4].accepted",
     "at least one accepted"),
    ("unknown question type", _question(0, "type", value="essay"), "questions.yaml", "[0].type", "one of"),
    ("field of another type", _question(2, "tolerance", value=1), "questions.yaml", "[2].tolerance",
     "unknown field for a true_false question"),
    ("misspelt field", _question(0, "choices", 1, "corect", value=True), "questions.yaml",
     "[0].choices[1].corect", "unknown field"),
    ("missing module file", _file("modules/adding.md", None), "course.yaml", "modules[1].file",
     "file not found: modules/adding.md"),
    ("module file outside", _course("modules", 1, "file", value="../adding.md"), "course.yaml",
     "modules[1].file", "not a path inside the package"),
    ("missing image", _file("images/photo.png", None), "course.yaml", "modules[0].images[1].file",
     "file not found: images/photo.png"),
    ("image without alt", _delete("modules", 0, "images", 1, "alt"), "course.yaml", "modules[0].images[1].alt",
     "required"),
    ("image type lies", _file("images/photo.png", SVG), "course.yaml", "modules[0].images[1].file",
     "the name says image/png but it holds image/svg+xml"),
    ("not an image", _file("images/chart.svg", b"hello"), "course.yaml", "modules[0].images[0].file",
     "not a recognised image"),
    ("unsupported image type", _course("modules", 0, "images", 1, "file", value="images/photo.bmp"),
     "course.yaml", "modules[0].images[1].file", "unsupported image type"),
    ("svg with a script", _file("images/chart.svg", b"<svg><script>alert(1)</script></svg>"), "course.yaml",
     "modules[0].images[0].file", "scripts"),
    ("inline image not listed", _course("modules", 0, "images", value=[]), "modules/intro.md", "body",
     "images/chart.svg"),
    ("bad video address", _course("modules", 1, "video_url", value="javascript:alert(1)"), "course.yaml",
     "modules[1].video_url", "not an http(s) address"),
    ("YAML syntax error", _file("questions.yaml", "- key: a\n  stem: [unclosed\n  type: numeric\n"),
     "questions.yaml", "line", "invalid YAML"),
    ("duplicate YAML key", _file("course.yaml", "format: pathwise-course/1\nslug: a\nslug: b\n"),
     "course.yaml", "line 3", "duplicate key 'slug'"),
    ("a boolean title", _course("title", value=True), "course.yaml", "title", "not a boolean"),
    ("missing course file", _file("course.yaml", None), "course.yaml", "", "missing"),
]


@pytest.mark.parametrize(("change", "file", "field", "message"), [case[1:] for case in BAD_PACKAGES],
                         ids=[case[0] for case in BAD_PACKAGES])
def test_it_refuses_a_bad_package_and_writes_nothing(tmp_path: Path, change: Change, file: str, field: str,
                                                     message: str) -> None:
    course_package_import(path=write_package(tmp_path / "good"))
    before = row_counts()
    state = snapshot("counting")
    course, questions, files = course_data(), questions_data(), {}
    change(course, questions, files)

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=write_package(tmp_path / "bad", course=course, questions=questions, files=files))

    matching = [e for e in caught.value.errors if e.file == file and e.field.startswith(field)
                and message in e.message]
    assert matching, "\n".join(str(e) for e in caught.value.errors)
    assert row_counts() == before
    assert snapshot("counting") == state


def test_it_reports_every_problem_at_once(tmp_path: Path) -> None:
    course, questions = course_data(), questions_data()
    course["target_success"] = 2
    course["modules"][0]["images"][0]["alt"] = ""
    questions[0]["difficulty"] = 0
    questions[3]["answer"] = "three and a half"

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=write_package(tmp_path / "bad", course=course, questions=questions,
                                                 files={"modules/adding.md": None}))

    lines = str(caught.value).splitlines()
    assert len(lines) == 5
    assert "course.yaml: target_success: must be between 0.5 and 0.95 (found 2)" in lines
    assert "questions.yaml: [0].difficulty: must be from 1 to 5 (found 0)" in lines
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_it_names_a_cycle_through_skills_already_in_the_database(tmp_path: Path) -> None:
    extra = SkillFactory(slug="extra")
    sums = SkillFactory(slug="sums", name="Sums")
    extra.prerequisites.add(sums)
    course = course_data()
    course["skills"][0]["prerequisites"] = ["extra"]

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=write_package(tmp_path / "bad", course=course))

    assert caught.value.errors == [
        ImportProblem("prerequisite cycle: basics -> extra -> sums -> basics", file="course.yaml", field="skills")]


def test_it_refuses_a_zip_with_a_path_leaving_the_package(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "counting")
    package = zip_folder(folder, tmp_path / "evil.zip", extra={"../../evil.md": b"gotcha",
                                                               "/etc/passwd-copy": b"x"})

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=package)

    assert {e.field for e in caught.value.errors} == {"../../evil.md", "/etc/passwd-copy"}
    assert all("unsafe path" in e.message for e in caught.value.errors)
    assert not (tmp_path.parent / "evil.md").exists()
    assert Course.objects.count() == 0


def test_it_refuses_a_zip_holding_a_file_twice(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "counting")
    with pytest.warns(UserWarning, match="Duplicate name"):
        package = zip_folder(folder, tmp_path / "twice.zip", extra={"modules/intro.md": b"# Other"})

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=package)

    assert [str(e) for e in caught.value.errors] == ["twice.zip: modules/intro.md: the archive holds this file twice"]


def test_it_does_not_follow_a_link_out_of_the_package(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("private")
    folder = write_package(tmp_path / "counting", files={"modules/adding.md": None})
    (folder / "modules" / "adding.md").symlink_to(secret)

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=folder)

    assert [str(e) for e in caught.value.errors] == [
        "course.yaml: modules[1].file: file not found: modules/adding.md"]


def test_it_refuses_an_oversized_image(tmp_path: Path, settings: Any) -> None:
    settings.MAX_IMAGE_BYTES = 300
    big = PNG + bytes(300)

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=write_package(tmp_path / "counting", files={"images/photo.png": big}))

    assert [(e.field, "too large" in e.message) for e in caught.value.errors] == [
        ("modules[0].images[1].file", True)]
    assert ModuleImage.objects.count() == 0


def test_it_refuses_an_oversized_image_in_a_zip(tmp_path: Path, settings: Any) -> None:
    settings.MAX_IMAGE_BYTES = 300
    folder = write_package(tmp_path / "counting", files={"images/photo.png": PNG + bytes(10_000)})

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=zip_folder(folder, tmp_path / "counting.zip"))

    assert "too large" in str(caught.value)


def test_it_refuses_something_that_is_not_a_package(tmp_path: Path) -> None:
    not_zip = tmp_path / "course.zip"
    not_zip.write_text("plain text")

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=not_zip)
    assert "not a readable zip file" in str(caught.value)
    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=tmp_path / "nowhere")
    assert "no such folder" in str(caught.value)


def test_it_will_not_remove_a_module_learners_have_answered(tmp_path: Path) -> None:
    course_package_import(path=write_package(tmp_path / "v1"))
    module = Module.objects.get(slug="adding")
    Response.objects.create(
        submission_id=uuid.uuid4(), user=UserFactory(), question=Question.objects.get(key="cnt-num"),
        module=module, course=module.course, answer=3.5, is_correct=True, score=1.0, attempt_number=1)
    course = course_data()
    del course["modules"][1]

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=write_package(tmp_path / "v2", course=course))

    assert "module 'adding' is not in the package, but learners have answered its quiz" in str(caught.value)
    assert Module.objects.filter(slug="adding").exists()


def test_it_summarises_a_report() -> None:
    report = PackageReport(course="x")
    report.count("modules", "created")
    report.warnings.append("look out")

    text = report.summary()

    assert "Course 'x' updated." in text
    assert "modules: 1 created, 0 updated, 0 unchanged" in text
    assert "  - look out" in text


@pytest.mark.skipif(not (settings.DEMO_COURSES_DIR / "data-literacy").is_dir(), reason="no demo courses")
def test_it_imports_and_round_trips_every_demo_course(tmp_path: Path) -> None:
    packages = sorted(p for p in Path(settings.DEMO_COURSES_DIR).iterdir()
                      if (p / "course.yaml").is_file() or (p / "course.json").is_file())
    slugs = []
    for package in packages:
        report = course_package_import(path=package)
        assert report.created["courses"] == 1, package
        assert report.created["modules"] > 0 and report.created["questions"] > 0 and report.created["skills"] > 0
        slugs.append(report.course)
    for slug in slugs:
        before = snapshot(slug)
        out = course_package_export(course=Course.objects.get(slug=slug), path=tmp_path / f"{slug}.zip")
        Course.objects.filter(slug=slug).delete()
        course_package_import(path=out)
        assert snapshot(slug) == before


def test_it_reports_a_damaged_file_in_a_zip(tmp_path: Path) -> None:
    package = zip_folder(write_package(tmp_path / "counting"), tmp_path / "counting.zip")
    data = package.read_bytes()
    package.write_bytes(data.replace(b"Count, add and compare.", b"Count, add and compere."))

    with pytest.raises(ImportInvalid) as caught:
        course_package_import(path=package)

    assert [(e.file, "cannot read course.yaml" in e.message) for e in caught.value.errors] == [("course.yaml", True)]


AWKWARD_TEXT = ["yes", "null", "1.0", "- a list?", "# not a heading", "a: b", "  leading spaces", "trailing  ",
                "ends with blank lines\n\n\n", "\nstarts with a newline", "  indented\nsecond line",
                "tab\there\n", "windows\r\nlines\r\n", "line break  \nhere\n", "café 😀", "next\x85line", "\"q\""]


def test_it_round_trips_awkward_text(tmp_path: Path) -> None:
    questions = questions_data()
    for i, text in enumerate(AWKWARD_TEXT):
        questions.append({"key": f"odd-{i}", "type": "short_text", "stem": text, "difficulty": 3,
                          "skills": ["basics"], "explanation": text + " explained", "accepted": [text.strip() or "x"]})
    course = course_data()
    course["modules"][0]["quiz"] += [f"odd-{i}" for i in range(len(AWKWARD_TEXT))]
    course["description"] = "\n".join(AWKWARD_TEXT)
    course_package_import(path=write_package(tmp_path / "counting", course=course, questions=questions))
    assert Question.objects.get(key="odd-8").stem == "ends with blank lines\n\n\n"
    before = snapshot("counting")

    out = course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / "out")
    wipe_content()
    course_package_import(path=out)

    assert snapshot("counting") == before


def test_it_keeps_short_answer_wildcards_through_export_and_import(tmp_path: Path) -> None:
    questions = questions_data()
    short = next(q for q in questions if q["key"] == "cnt-short")
    short.update(accepted=["fo*"], case_sensitive=False, wildcards=True)
    course_package_import(path=write_package(tmp_path / "counting", questions=questions))
    assert Question.objects.get(key="cnt-short").accepted_wildcards

    out = course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / "out.zip")
    wipe_content()
    course_package_import(path=out)

    question = Question.objects.get(key="cnt-short")
    assert (question.accepted_answers, question.accepted_wildcards) == (["fo*"], True)
    with zipfile.ZipFile(out) as archive:
        exported = archive.read("counting/questions.yaml").decode()
    assert exported.count("wildcards: true") == 1  # written only where it is on

from __future__ import annotations

from pathlib import Path

import pytest

from lms.content.gift import question_bank_import_gift
from lms.content.importing import ImportInvalid
from lms.content.models import ModuleQuestion, Question, Skill
from tests.lms.factories import SkillFactory

pytestmark = pytest.mark.django_db

SUPPORTED = r"""// Questions for the averages module.
// Comments and blank lines are ignored.
$CATEGORY: $course$/top/Data literacy/Averages

::Mean of three::What is the mean of 2, 4 and 6?{
  =4#Right: 12 / 3.
  ~3#Too small.
  ~6#That is the largest value.
  ####Add them up and divide by three.
}

::Even numbers::[markdown]Which are **even**?{~%50%2 ~%50%4 ~%-100%3#3 is odd.}

::Grant::Grant is buried in Grant's tomb.{F#He is not: nobody is.#Right: the tomb holds no one.}

Zero is a number.{TRUE}

::Capital::What is the capital of France?{=Paris =Paris, France}

::Pi::What is pi to two decimals?{#3.14:0.005}

::Range::Name a number from 1 to 5.{#1..5####Any number in the range counts.}

::Birth year::When was Ulysses S. Grant born?{#=1822:0 =%50%1822:2}

::Escapes::[plain]Is 1 \= 1 \{really\} \#1 \~ a\: b?{=Yes\: it is\#1 ~No \~ never}

::HTML::[html]<p>Is <b>this</b> bold?</p>{T}
"""

UNSUPPORTED = """$CATEGORY: Averages

::Match::Match the averages.{=mean -> sum / n =median -> middle value}

::Essay::Write about data.{}

::Description::Averages describe the centre of the data.

::Partial::Pick the best average.{=median ~%50%mean ~mode}

::Short partial::Name it.{=median =%50%middle}

::Numeric partial::How many?{#=%50%3 =%50%4}

::Several right::Pick a number.{=1 =2 ~3}

::Fine::Is this imported?{T}
"""


def write(tmp_path: Path, text: str, name: str = "bank.gift") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if marker in line)


def test_it_imports_each_supported_construct(tmp_path: Path) -> None:
    report = question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug=None, key_prefix="avg",
                                       difficulty=2)

    assert len(report.imported) == 10 and not report.unsupported
    assert report.skills_created == ["averages"]
    assert Skill.objects.get(slug="averages").name == "Averages"
    assert set(Question.objects.values_list("difficulty", flat=True)) == {2}
    assert all(list(q.skills.values_list("slug", flat=True)) == ["averages"] for q in Question.objects.all())

    mean = Question.objects.get(key="avg-mean-of-three")
    assert (mean.type, mean.stem, mean.explanation) == (
        "single_choice", "What is the mean of 2, 4 and 6?", "Add them up and divide by three.")
    assert [(c.text, c.is_correct, c.feedback) for c in mean.choices.all()] == [
        ("4", True, "Right: 12 / 3."), ("3", False, "Too small."), ("6", False, "That is the largest value.")]

    even = Question.objects.get(key="avg-even-numbers")
    assert even.type == "multiple_choice"
    assert even.stem == "Which are **even**?"
    assert [(c.text, c.is_correct) for c in even.choices.all()] == [("2", True), ("4", True), ("3", False)]
    assert even.explanation == "The right answers are: 2; 4."  # built from the right answers

    grant = Question.objects.get(key="avg-grant")
    assert (grant.type, grant.true_false_answer) == ("true_false", False)
    # Both feedbacks are kept, each under the answer it is meant for.
    assert grant.explanation == ("The statement is false.\n\n- If you answered false: Right: the tomb holds no one.\n"
                                 "- If you answered true: He is not: nobody is.")
    untitled = Question.objects.get(key="avg-004")  # numbered by its place in the file
    assert (untitled.type, untitled.true_false_answer) == ("true_false", True)

    capital = Question.objects.get(key="avg-capital")
    assert (capital.type, capital.accepted_answers, capital.case_sensitive) == (
        "short_text", ["Paris", "Paris, France"], False)
    pi = Question.objects.get(key="avg-pi")
    assert (pi.type, pi.numeric_answer, pi.numeric_tolerance) == ("numeric", 3.14, 0.005)
    assert pi.explanation == "The answer is 3.14 (± 0.005)."
    span = Question.objects.get(key="avg-range")
    assert (span.numeric_answer, span.numeric_tolerance, span.explanation) == (
        3.0, 2.0, "Any number in the range counts.")
    born = Question.objects.get(key="avg-birth-year")
    assert (born.numeric_answer, born.numeric_tolerance) == (1822.0, 0.0)
    assert any("1822" in w and "partially-credited" in w for w in report.warnings)
    html = Question.objects.get(key="avg-html")
    assert html.stem == "<p>Is <b>this</b> bold?</p>"
    assert not ModuleQuestion.objects.exists()  # the bank only, no module


def test_it_unescapes_special_characters(tmp_path: Path) -> None:
    question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug=None, key_prefix="avg")

    escaped = Question.objects.get(key="avg-escapes")
    # [plain] text is escaped for Markdown so that it shows as written.
    assert escaped.stem == r"Is 1 = 1 {really} \#1 ~ a: b?"
    assert [c.text for c in escaped.choices.all()] == ["Yes: it is#1", "No ~ never"]


def test_it_reports_each_unsupported_construct_with_its_line(tmp_path: Path) -> None:
    report = question_bank_import_gift(path=write(tmp_path, UNSUPPORTED), skill_slug=None, key_prefix="avg")

    skipped = {item.name: item for item in report.unsupported}
    expected = {
        "Match": "matching",
        "Essay": "essay",
        "Description": "description",
        "Partial": "partial credit",
        "Short partial": "partial credit",
        "Numeric partial": "partially-credited",
        "Several right": "several right answers",
    }
    assert set(skipped) == set(expected)
    for title, reason in expected.items():
        assert reason in skipped[title].reason
        assert skipped[title].line == line_of(UNSUPPORTED, f"::{title}::")
        assert f"line {skipped[title].line} '{title}'" in report.summary()
    assert [item.key for item in report.imported] == ["avg-fine"]
    assert list(Question.objects.values_list("key", flat=True)) == ["avg-fine"]


BROKEN = """$CATEGORY: Averages

::Unclosed::What is the mean? {=4 ~3

::Good::Is this fine?{T}

::No right::Pick one.{~1 ~2}

::Bad number::How many?{#three}

::Backwards::Pick a number.{#5..1}

::Title never closed
Some text {T}

::Together::First? {T}
::Second::Second? {F}
"""


def test_it_reports_syntax_errors_with_line_numbers_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ImportInvalid) as caught:
        question_bank_import_gift(path=write(tmp_path, BROKEN), skill_slug=None, key_prefix="avg")

    errors = {(e.line, e.item): e.message for e in caught.value.errors}
    assert "not closed with '}'" in errors[(line_of(BROKEN, "::Unclosed::"), "Unclosed")]
    assert "no answer is marked right" in errors[(line_of(BROKEN, "::No right::"), "No right")]
    assert "'three' is not a number" in errors[(line_of(BROKEN, "::Bad number::"), "Bad number")]
    assert "backwards" in errors[(line_of(BROKEN, "::Backwards::"), "Backwards")]
    assert "title is not closed" in errors[(line_of(BROKEN, "::Title never"), "")]
    assert "separated by a blank line" in errors[(line_of(BROKEN, "::Together::"), "Together")]
    assert len(errors) == 6
    assert str(caught.value).splitlines()[0].startswith(f"line {line_of(BROKEN, '::Unclosed::')} (Unclosed): ")
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_refuses_a_nul_character_with_its_line_and_writes_nothing(tmp_path: Path) -> None:
    text = "$CATEGORY: Averages\n\n::Fine::Is this fine?{T}\n\n::Damaged::What is the me\x00an?{=4 ~3}\n"

    with pytest.raises(ImportInvalid) as caught:
        question_bank_import_gift(path=write(tmp_path, text), skill_slug=None, key_prefix="avg")

    assert [(e.line, e.message) for e in caught.value.errors] == [
        (5, "contains a NUL character (\\0), which no question may hold")]
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_needs_a_skill_for_every_question(tmp_path: Path) -> None:
    with pytest.raises(ImportInvalid) as caught:
        question_bank_import_gift(path=write(tmp_path, "::A::Is it?{T}\n"), skill_slug=None, key_prefix="x")
    assert "has no skill" in str(caught.value)
    with pytest.raises(ImportInvalid) as caught:
        question_bank_import_gift(path=write(tmp_path, "::A::Is it?{T}\n"), skill_slug="nowhere", key_prefix="x")
    assert "unknown skill 'nowhere'" in str(caught.value)


def test_it_uses_the_skill_given_instead_of_categories(tmp_path: Path) -> None:
    SkillFactory(slug="spread")

    report = question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug="spread", key_prefix="sp")

    assert not report.skills_created
    assert not Skill.objects.filter(slug="averages").exists()
    assert set(Question.objects.values_list("skills__slug", flat=True)) == {"spread"}


def test_it_writes_nothing_on_a_dry_run(tmp_path: Path) -> None:
    report = question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug=None, key_prefix="avg",
                                       dry_run=True)

    assert len(report.imported) == 10
    assert "Dry run: nothing was written." in report.summary()
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_updates_the_same_questions_on_a_second_import(tmp_path: Path) -> None:
    question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug=None, key_prefix="avg")
    choice_ids = list(Question.objects.get(key="avg-mean-of-three").choices.values_list("id", flat=True))

    again = question_bank_import_gift(path=write(tmp_path, SUPPORTED), skill_slug=None, key_prefix="avg")
    changed = SUPPORTED.replace("~3#Too small.", "~2#Too small.")
    third = question_bank_import_gift(path=write(tmp_path, changed), skill_slug=None, key_prefix="avg")

    assert (len(again.imported), len(again.updated), len(again.unchanged)) == (0, 0, 10)
    assert [item.key for item in third.updated] == ["avg-mean-of-three"]
    assert list(Question.objects.get(key="avg-mean-of-three").choices.values_list("id", flat=True)) == choice_ids
    assert Question.objects.count() == 10


def test_it_keeps_keys_unique_when_titles_repeat(tmp_path: Path) -> None:
    text = "$CATEGORY: Averages\n\n::Same::One?{T}\n\n::Same::Two?{F}\n"

    report = question_bank_import_gift(path=write(tmp_path, text), skill_slug=None, key_prefix="avg")

    assert [item.key for item in report.imported] == ["avg-same", "avg-same-2"]
    assert any("avg-same-2" in w for w in report.warnings)


def test_it_refuses_a_bad_prefix_or_difficulty(tmp_path: Path) -> None:
    path = write(tmp_path, SUPPORTED)
    with pytest.raises(ImportInvalid, match="key prefix"):
        question_bank_import_gift(path=path, skill_slug=None, key_prefix="bad prefix")
    with pytest.raises(ImportInvalid, match="difficulty"):
        question_bank_import_gift(path=path, skill_slug=None, key_prefix="avg", difficulty=6)

"""Every construct of Moodle's GIFT documentation (fixtures/gift_constructs.gift) is imported or refused
by name with its line, and what Pathwise exports as GIFT imports back to the same questions."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lms.content.gift import question_bank_export_gift, question_bank_import_gift
from lms.content.grading import grade
from lms.content.importing import ImportInvalid
from lms.content.models import Choice, Question
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz

pytestmark = pytest.mark.django_db

CONSTRUCTS = Path(__file__).parent / "fixtures" / "gift_constructs.gift"

# Title -> the type it becomes, or "refused: <words the reason must contain>".
EXPECTED = {
    "Single choice": "single_choice",
    "Single choice with feedback": "single_choice",
    "Missing word": "single_choice",
    "Multiple response": "multiple_choice",
    "Single choice with partial credit": "refused: single-answer questions with partial credit (~%50%Geneva)",
    "Several right answers": "refused: several right answers",
    "True short": "true_false",
    "True long": "true_false",
    "False short": "true_false",
    "False with feedback": "true_false",
    "True false with general feedback": "true_false",
    "Short answer": "short_text",
    "Short answer with feedback": "short_text",
    "Short answer wildcard": "short_text",
    "Short answer anything": "short_text",
    "Short answer catch all": "short_text",
    "Short answer partial credit": "refused: short answers with partial credit (=%50%Danube)",
    "Short answer missing word": "short_text",
    "Matching": "refused: matching questions",
    "Numeric": "numeric",
    "Numeric tolerance": "numeric",
    "Numeric interval": "numeric",
    "Numeric wrong feedback": "numeric",
    "Numeric partial credit": "numeric",
    "Numeric several answers with feedback": "numeric",
    "Numeric missing word": "numeric",
    "Numeric only partial": "refused: numeric questions with several partially-credited answers",
    "Essay": "refused: essay questions",
    "Description": "refused: description items",
    "Format html": "true_false",
    "Format markdown": "true_false",
    "Format plain": "true_false",
    "Format moodle": "true_false",
    "Escapes": "single_choice",
    "Line break": "true_false",
    "General feedback": "numeric",
}


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if marker in line)


def import_constructs(**options: Any) -> Any:
    return question_bank_import_gift(path=CONSTRUCTS, skill_slug=None, key_prefix="geo", **options)


def q(title: str) -> Question:
    return Question.objects.get(key="geo-" + re.sub(r"[^a-z0-9]+", "-", title.lower()))


def test_it_imports_or_refuses_by_name_every_construct_with_its_line() -> None:
    text = CONSTRUCTS.read_text(encoding="utf-8")
    titles_in_file = re.findall(r"^::([^:]+)::", text, flags=re.MULTILINE)
    assert sorted(titles_in_file) == sorted(EXPECTED)  # the table covers the whole file

    report = import_constructs()

    imported = {item.name: item for item in report.imported}
    refused = {item.name: item for item in report.unsupported}
    assert set(imported) | set(refused) == set(EXPECTED) and not set(imported) & set(refused)
    for title, outcome in EXPECTED.items():
        item = refused[title] if outcome.startswith("refused: ") else imported[title]
        assert item.line == line_of(text, f"::{title}::"), title
        if outcome.startswith("refused: "):
            assert outcome.removeprefix("refused: ") in item.reason, title
            assert f"line {item.line} '{title}': " in report.summary()
        else:
            assert item.type == outcome == q(title).type, title
    assert report.skills_created == ["capitals", "rivers", "numbers", "formats"]
    partial = line_of(text, "::Numeric partial credit::")
    assert any(w.startswith(f"line {partial}: ") and "%50%1913:2" in w for w in report.warnings)


def test_it_reads_moodles_numeric_answer_followed_by_wrong_answer_feedback() -> None:
    import_constructs()

    question = q("Numeric wrong feedback")
    assert (question.numeric_answer, question.numeric_tolerance) == (3.0, 2.0)
    assert question.explanation == "The answer is 3 (± 2).\n\n- Any other answer: Completely wrong"
    assert grade(question, "4.5").is_correct and not grade(question, "5.5").is_correct


def test_it_turns_short_answer_wildcards_into_a_rule_the_grader_honours() -> None:
    import_constructs()

    seine = q("Short answer wildcard")
    assert (seine.accepted_answers, seine.accepted_wildcards) == (["Sei*"], True)
    assert grade(seine, "Seine").is_correct and grade(seine, "sei").is_correct
    assert not grade(seine, "Loire").is_correct
    anything = q("Short answer anything")
    assert grade(anything, "the Amazon").is_correct
    plain = q("Short answer")
    assert not plain.accepted_wildcards and not grade(plain, "Nil").is_correct


def test_it_keeps_catch_all_and_per_answer_feedback() -> None:
    import_constructs()

    tiber = q("Short answer catch all")
    assert tiber.accepted_answers == ["Tiber"]  # the 0% catch-all accepts nothing
    assert not grade(tiber, "Arno").is_correct
    assert tiber.explanation == ("Accepted answer: Tiber.\n\n- If you answered Tiber: Good!\n"
                                 "- Any other answer: No: it is the Tiber.")
    thames = q("Short answer with feedback")
    assert "- If you answered Thames: Good!" in thames.explanation
    assert "- If you answered River Thames: Good, in full." in thames.explanation
    berlin = q("True false with general feedback")
    assert berlin.explanation == ("Bonn was the seat of government before.\n\n- If you answered true: Right.\n"
                                  "- If you answered false: It has been since 1990.")
    states = q("Numeric several answers with feedback")
    assert "- If you answered 8: Eight counts the two mainland territories too." in states.explanation


def test_it_leaves_a_gap_where_a_missing_word_was() -> None:
    import_constructs()

    assert q("Missing word").stem == r"The capital of Italy is \_\_\_\_\_ since 1871."
    assert q("Numeric missing word").stem == r"The Danube is about \_\_\_\_\_ kilometres long."
    assert q("Short answer missing word").accepted_answers == ["Danube"]


def test_it_reads_formats_and_escapes() -> None:
    import_constructs()

    assert q("Format html").stem == "Is <i>Nairobi</i> the capital of Kenya?"
    assert q("Format markdown").stem == "Is **Accra** the capital of Ghana?"
    assert q("Format plain").stem == r"Is \*Dakar\* the capital of Senegal?"
    assert q("Format moodle").stem == "Is Rabat the capital of Morocco?"
    escapes = q("Escapes")
    assert escapes.stem == "Which of these is {not} a GIFT control character : ?"
    assert [(c.text, c.is_correct) for c in escapes.choices.all()] == [
        ("~", False), ("=", False), ("#", False), ("\\", True)]
    assert q("Line break").stem == "First line\nsecond line: is this on two lines?"


@pytest.mark.parametrize("text", ["", "\n\n", "// only a comment\n// and another\n",
                                  "$CATEGORY: $course$/top/Empty\n\n// nothing below\n"])
def test_it_refuses_a_file_without_questions(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.gift"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ImportInvalid, match="holds no questions"):
        question_bank_import_gift(path=path, skill_slug=None, key_prefix="e")
    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        call_command("import_gift", str(path), stderr=io.StringIO())


# --- Export and round trip ------------------------------------------------------------------------


def every_shared_type() -> list[Question]:
    """One question of each type Pathwise and GIFT share, with text that needs escaping."""
    capitals = SkillFactory(slug="capitals", name="Capitals")
    numbers = SkillFactory(slug="numbers-2", name="Numbers")  # the name alone would give another slug
    plain = {"with_choices": False}
    single = QuestionFactory(key="rt-single", type=Question.SINGLE, stem="Pick {one}:\n\n- a = b\n- c ~ d # e",
                             explanation="Because \\ of # this.", **plain)
    for order, (text, ok, feedback) in enumerate([("[html] <b>x</b>", True, "Right: #1"), ("%50% more", False, ""),
                                                  ("a -> b", False, "no = yes")]):
        Choice.objects.create(question=single, text=text, is_correct=ok, feedback=feedback, order=order)
    multiple = QuestionFactory(key="rt-multiple", type=Question.MULTIPLE, stem="Which are even?",
                               explanation="[plain] looks like a format tag", **plain)
    for order, (text, ok) in enumerate([("2", True), ("4", True), ("6", True), ("3", False)]):
        Choice.objects.create(question=multiple, text=text, is_correct=ok, feedback="", order=order)
    questions = [
        single, multiple,
        QuestionFactory(key="rt-true", type=Question.TRUE_FALSE, true_false_answer=True, stem="True?", **plain),
        QuestionFactory(key="rt-false", type=Question.TRUE_FALSE, true_false_answer=False, stem="False?", **plain),
        QuestionFactory(key="rt-numeric", type=Question.NUMERIC, numeric_answer=-0.1, numeric_tolerance=1e-05,
                        stem="How much?", **plain),
        QuestionFactory(key="rt-exact", type=Question.NUMERIC, numeric_answer=1822.0, numeric_tolerance=0.0,
                        stem="When?", **plain),
        QuestionFactory(key="rt-short", type=Question.SHORT_TEXT, accepted_answers=["2*3", "six", "T"],
                        stem="Two times three?", **plain),
        QuestionFactory(key="rt-wild", type=Question.SHORT_TEXT, accepted_answers=["fro*", r"2\*3*"],
                        accepted_wildcards=True, stem="Starts with fro?", **plain),
    ]
    for question in questions:
        question.skills.set([numbers if question.type == Question.NUMERIC else capitals])
    return questions


def snapshot() -> list[tuple[Any, ...]]:
    return [(q.key, q.type, q.stem, q.explanation, q.difficulty, q.true_false_answer, q.numeric_answer,
             q.numeric_tolerance, q.accepted_answers, q.accepted_wildcards, q.case_sensitive,
             sorted(s.slug for s in q.skills.all()),
             [(c.text, c.is_correct, c.feedback) for c in q.choices.all()])
            for q in Question.objects.order_by("key").prefetch_related("skills", "choices")]


def test_it_round_trips_every_shared_question_type(tmp_path: Path) -> None:
    every_shared_type()
    before = snapshot()
    first = question_bank_export_gift(questions=Question.objects.all())
    path = tmp_path / "bank.gift"
    path.write_text(first.text, encoding="utf-8")

    report = question_bank_import_gift(path=path, skill_slug=None, key_prefix="unused", titles_are_keys=True)
    second = question_bank_export_gift(questions=Question.objects.all())

    assert second.text == first.text
    assert snapshot() == before  # the same questions, the same choices, the difficulty kept
    assert (len(report.unchanged), report.imported, report.updated, report.unsupported) == (8, [], [], [])
    assert not first.warnings
    assert "$CATEGORY: $course$/top/Capitals\n" in first.text
    assert "$CATEGORY: $course$/top/numbers-2\n" in first.text
    assert "\t~%33.33333%2\n" in first.text and "\t~%-33.33333%3\n" in first.text


def test_it_round_trips_into_an_empty_bank(tmp_path: Path) -> None:
    every_shared_type()
    before = snapshot()
    first = question_bank_export_gift(questions=Question.objects.all())
    Question.objects.all().delete()
    path = tmp_path / "bank.gift"
    path.write_text(first.text, encoding="utf-8")

    question_bank_import_gift(path=path, skill_slug=None, key_prefix="unused", titles_are_keys=True, difficulty=2)

    assert question_bank_export_gift(questions=Question.objects.all()).text == first.text
    assert snapshot() == before


def test_it_round_trips_the_questions_imported_from_the_constructs_file(tmp_path: Path) -> None:
    import_constructs()
    first = question_bank_export_gift(questions=Question.objects.all())
    path = tmp_path / "again.gift"
    path.write_text(first.text, encoding="utf-8")

    report = question_bank_import_gift(path=path, skill_slug=None, key_prefix="unused", titles_are_keys=True)

    assert len(report.unchanged) == first.count == len([o for o in EXPECTED.values() if not o.startswith("refused")])
    assert question_bank_export_gift(questions=Question.objects.all()).text == first.text


def test_it_warns_about_what_gift_cannot_hold() -> None:
    a, b = SkillFactory(slug="a"), SkillFactory(slug="b")
    question = QuestionFactory(key="two-skills", type=Question.SHORT_TEXT, accepted_answers=["Yes"],
                               case_sensitive=True)
    question.skills.set([a, b])

    export = question_bank_export_gift(questions=[question])

    assert any("two-skills" in w and "one category" in w for w in export.warnings)
    assert any("two-skills" in w and "case-sensitive" in w for w in export.warnings)


def test_it_refuses_untitled_or_unusable_titles_as_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.gift"
    path.write_text("$CATEGORY: A\n\nNo title?{T}\n\n::not a key::Spaces?{T}\n\n::k::One?{T}\n\n::k::Two?{T}\n",
                    encoding="utf-8")

    with pytest.raises(ImportInvalid) as caught:
        question_bank_import_gift(path=path, skill_slug=None, key_prefix="x", titles_are_keys=True)

    messages = [(e.line, e.message) for e in caught.value.errors]
    assert [line for line, _m in messages] == [3, 5, 9]
    assert "no title" in messages[0][1] and "not a question key" in messages[1][1]
    assert "used by an earlier question" in messages[2][1]
    assert not Question.objects.exists()


def test_the_export_command_selects_by_course_module_skill_or_key(tmp_path: Path) -> None:
    every_shared_type()
    module = ModuleFactory(slug="intro", course__slug="geo")
    add_to_quiz(module, Question.objects.get(key="rt-true"), Question.objects.get(key="rt-wild"))
    out = tmp_path / "out.gift"

    call_command("export_gift", str(out), "--course", "geo", stdout=io.StringIO())
    assert re.findall(r"^::([^:]+)::", out.read_text(), flags=re.MULTILINE) == ["rt-true", "rt-wild"]
    call_command("export_gift", str(out), "rt-true", "rt-single", "--module", "geo/intro", "--skill", "capitals",
                 stdout=io.StringIO())
    assert re.findall(r"^::([^:]+)::", out.read_text(), flags=re.MULTILINE) == ["rt-true"]
    stdout = io.StringIO()
    call_command("export_gift", "-", "--skill", "numbers-2", stdout=stdout)
    assert re.findall(r"^::([^:]+)::", stdout.getvalue(), flags=re.MULTILINE) == ["rt-exact", "rt-numeric"]

    with pytest.raises(CommandError, match="no course with the slug 'nowhere'"):
        call_command("export_gift", str(out), "--course", "nowhere")
    with pytest.raises(CommandError, match="no such question: missing"):
        call_command("export_gift", str(out), "missing")
    with pytest.raises(CommandError, match="nothing to export"):
        call_command("export_gift", str(out), "--skill", "no-such-skill")

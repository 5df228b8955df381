"""QTI 2.2 and 3.0 items imported into the bank: each supported interaction, graded after the import, and
what is refused or stops the import (unsupported interactions, malformed XML, entities, unsafe zips)."""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from lms.content.grading import grade
from lms.content.importing import BankImportReport, ImportInvalid
from lms.content.models import Question, SkillSuggestion
from lms.content.qti import question_bank_import_qti
from tests.lms.factories import SkillFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "qti"
QTI22 = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2"'
QTI30 = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'


@pytest.fixture(autouse=True)
def _skill() -> None:
    SkillFactory(slug="statistics", name="Statistics")


def run_import(path: Path, **options: object) -> BankImportReport:
    values: dict[str, object] = {"skill_slug": "statistics", "key_prefix": "bank"}
    values.update(options)
    return question_bank_import_qti(path=path, **values)  # type: ignore[arg-type]


def choice_id(question: Question, text: str) -> int:
    return next(c.pk for c in question.choices.all() if c.text == text)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- Each interaction, in QTI 2.2 and 3.0, graded after the import --------------------------------


@pytest.mark.parametrize(("fixture", "key", "right", "wrong"), [
    ("qti22/choice.xml", "bank-median-choice", "3", "5"),
    ("qti30/choice.xml", "bank-mode-choice", "7", "6.75"),
])
def test_it_imports_a_single_choice_and_grades_it(fixture: str, key: str, right: str, wrong: str) -> None:
    report = run_import(FIXTURES / fixture)

    assert [item.key for item in report.imported] == [key]
    question = Question.objects.get(key=key)
    assert question.type == Question.SINGLE
    assert [s.slug for s in question.skills.all()] == ["statistics"]
    assert grade(question, choice_id(question, right)).is_correct
    assert not grade(question, choice_id(question, wrong)).is_correct
    # feedbackInline inside a choice is that choice's feedback
    assert question.choices.get(text=wrong).feedback == "That is the mean."


def test_it_keeps_the_stem_prompt_and_modal_feedback_of_a_qti22_item() -> None:
    run_import(FIXTURES / "qti22/choice.xml")

    question = Question.objects.get(key="bank-median-choice")
    assert question.stem == "<p>The values are <strong>2, 3 and 10</strong>.</p>\n\n<p>Which value is the median?</p>"
    assert question.explanation == "<p><strong>Why</strong></p>\n\n<p>Sorted, the middle value of 2, 3 and 10 is 3.</p>"
    assert question.difficulty == 3


def test_it_reads_qti30_modal_feedback_in_its_content_body() -> None:
    run_import(FIXTURES / "qti30/choice.xml")

    question = Question.objects.get(key="bank-mode-choice")
    assert question.explanation == "<p>7 appears twice, more often than any other value.</p>"
    assert question.stem.endswith("<p>Which value is the mode?</p>")


@pytest.mark.parametrize(("fixture", "key", "right", "wrong"), [
    ("qti22/multiple.xml", "bank-primes-multiple", ["2", "7"], ["2", "9"]),
    ("qti30/multiple.xml", "bank-even-multiple", ["4", "8"], ["4"]),
])
def test_it_imports_multiple_response_and_grades_it(fixture: str, key: str, right: list[str],
                                                     wrong: list[str]) -> None:
    run_import(FIXTURES / fixture)

    question = Question.objects.get(key=key)
    assert question.type == Question.MULTIPLE
    assert grade(question, [choice_id(question, t) for t in right]).is_correct
    assert not grade(question, [choice_id(question, t) for t in wrong]).is_correct


def test_it_imports_a_text_entry_with_several_accepted_answers_not_case_sensitive() -> None:
    run_import(FIXTURES / "qti22/text_entry.xml")

    question = Question.objects.get(key="bank-capital-text")
    assert question.type == Question.SHORT_TEXT
    assert question.accepted_answers == ["Paris", "Paris, France"]
    assert question.case_sensitive is False
    assert question.stem == "<p>The capital of France is _____.</p>"
    assert question.explanation == "<p>Paris has been the capital since 987.</p>"
    assert grade(question, "paris").is_correct
    assert grade(question, "PARIS, FRANCE").is_correct
    assert not grade(question, "Lyon").is_correct  # mapped to 0: no credit


def test_it_honours_case_sensitivity_of_match_correct() -> None:
    run_import(FIXTURES / "qti30/text_entry.xml")

    question = Question.objects.get(key="bank-symbol-text")
    assert question.case_sensitive is True
    assert grade(question, "Fe").is_correct
    assert not grade(question, "FE").is_correct


def test_it_reads_case_sensitivity_from_string_match(tmp_path: Path) -> None:
    path = write(tmp_path, "gas.xml", f"""<assessmentItem {QTI22} identifier="gas" title="Gas">
      <responseDeclaration identifier="R" cardinality="single" baseType="string"/>
      <itemBody><p>Name the gas we breathe in to live: <textEntryInteraction responseIdentifier="R"/></p></itemBody>
      <responseProcessing><responseCondition><responseIf>
        <stringMatch caseSensitive="false"><variable identifier="R"/><baseValue baseType="string">oxygen</baseValue></stringMatch>
        <setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue>
      </responseIf></responseCondition></responseProcessing>
    </assessmentItem>""")

    run_import(path)

    question = Question.objects.get(key="bank-gas")
    assert question.accepted_answers == ["oxygen"] and question.case_sensitive is False
    assert grade(question, "Oxygen").is_correct


@pytest.mark.parametrize(("fixture", "key", "answer", "tolerance", "right", "wrong"), [
    ("qti22/numeric.xml", "bank-pi-numeric", 3.14, 0.005, "3.144", "3.15"),
    ("qti30/numeric.xml", "bank-estimate-numeric", 200, 20, "215", "225"),
])
def test_it_imports_a_numeric_text_entry_with_its_tolerance(fixture: str, key: str, answer: float, tolerance: float,
                                                            right: str, wrong: str) -> None:
    run_import(FIXTURES / fixture)

    question = Question.objects.get(key=key)
    assert question.type == Question.NUMERIC
    assert question.numeric_answer == answer
    assert question.numeric_tolerance == pytest.approx(tolerance)
    assert grade(question, right).is_correct
    assert not grade(question, wrong).is_correct


def test_it_takes_a_numeric_answer_without_tolerance_as_exact(tmp_path: Path) -> None:
    path = write(tmp_path, "legs.xml", f"""<qti-assessment-item {QTI30} identifier="legs" title="Legs">
      <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer">
        <qti-correct-response><qti-value>8</qti-value></qti-correct-response>
      </qti-response-declaration>
      <qti-item-body><p>How many legs has a spider? <qti-text-entry-interaction response-identifier="RESPONSE"/></p>
      </qti-item-body>
      <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
    </qti-assessment-item>""")

    run_import(path)

    question = Question.objects.get(key="bank-legs")
    assert (question.numeric_answer, question.numeric_tolerance) == (8, 0)
    assert question.explanation == "<p>The answer is 8.</p>"
    assert grade(question, "8").is_correct and not grade(question, "8.5").is_correct


def test_it_stores_an_uneven_tolerance_as_the_same_range_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "boil.xml", f"""<assessmentItem {QTI22} identifier="boil" title="Boil">
      <responseDeclaration identifier="R" cardinality="single" baseType="float">
        <correctResponse><value>100</value></correctResponse></responseDeclaration>
      <itemBody><p>Water boils at how many degrees? <textEntryInteraction responseIdentifier="R"/></p></itemBody>
      <responseProcessing><responseCondition><responseIf>
        <equal toleranceMode="absolute" tolerance="1 3"><variable identifier="R"/><correct identifier="R"/></equal>
        <setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue>
      </responseIf></responseCondition></responseProcessing>
    </assessmentItem>""")

    report = run_import(path)

    question = Question.objects.get(key="bank-boil")
    assert (question.numeric_answer, question.numeric_tolerance) == (101, 2)
    assert grade(question, "99").is_correct and grade(question, "103").is_correct
    assert not grade(question, "98.9").is_correct
    assert any("differs below and above 100" in w for w in report.warnings)


# --- Refused by name, and never half-imported -------------------------------------------------------


def test_it_refuses_unsupported_interactions_by_name_and_imports_the_rest() -> None:
    report = run_import(FIXTURES / "qti30")

    assert sorted(i.key for i in report.imported) == ["bank-estimate-numeric", "bank-even-multiple",
                                                      "bank-mode-choice", "bank-symbol-text"]
    assert [str(item) for item in report.unsupported] == [
        "order.xml line 3 (size-order): qti-order-interaction is not supported (choice and text entry "
        "interactions are)"]
    assert not Question.objects.filter(key="bank-size-order").exists()


def test_it_refuses_an_essay_in_qti22() -> None:
    report = run_import(FIXTURES / "qti22/extended_text.xml")

    assert [(i.name, i.reason) for i in report.unsupported] == [
        ("river-essay", "extendedTextInteraction is not supported (choice and text entry interactions are)")]
    assert not Question.objects.exists()


@pytest.mark.parametrize(("body", "reason"), [
    ('<p>Look: <img src="images/chart.png" alt="a chart"/></p><choiceInteraction responseIdentifier="R">'
     '<simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice></choiceInteraction>',
     "the item shows an image (<img> images/chart.png, line 5), which a bank question cannot hold"),
    ('<p>a <textEntryInteraction responseIdentifier="R"/> and <textEntryInteraction responseIdentifier="R"/></p>',
     "several interactions in one item (textEntryInteraction, textEntryInteraction) are not supported"),
    ('<p>Pick: <inlineChoiceInteraction responseIdentifier="R"><inlineChoice identifier="A">a</inlineChoice>'
     '</inlineChoiceInteraction></p>', "inlineChoiceInteraction is not supported"),
    ('<p>Nothing to answer.</p>', "the item has no interaction: there is nothing to answer"),
])
def test_it_refuses_what_a_bank_question_cannot_hold(tmp_path: Path, body: str, reason: str) -> None:
    path = write(tmp_path, "item.xml", f"""<assessmentItem {QTI22} identifier="odd" title="Odd">
      <responseDeclaration identifier="R" cardinality="single" baseType="identifier">
        <correctResponse><value>A</value></correctResponse>
      </responseDeclaration>
      <itemBody>{body}</itemBody>
    </assessmentItem>""")

    report = run_import(path)

    assert len(report.unsupported) == 1 and report.unsupported[0].reason.startswith(reason)
    assert not Question.objects.exists()


def test_it_refuses_partial_credit(tmp_path: Path) -> None:
    path = write(tmp_path, "city.xml", f"""<assessmentItem {QTI22} identifier="city" title="City">
      <responseDeclaration identifier="R" cardinality="single" baseType="string">
        <mapping defaultValue="0"><mapEntry mapKey="Rome" mappedValue="1"/><mapEntry mapKey="Roma" mappedValue="0.5"/>
        </mapping></responseDeclaration>
      <itemBody><p>Capital of Italy: <textEntryInteraction responseIdentifier="R"/></p></itemBody>
      <responseProcessing template="http://www.imsglobal.org/question/qti_v2p2/rptemplates/map_response"/>
    </assessmentItem>""")

    report = run_import(path)

    assert report.unsupported[0].reason.startswith("partial credit (the answer 'Roma' is worth 0.5 of 1)")


def test_it_refuses_several_credited_choices_for_a_single_answer(tmp_path: Path) -> None:
    path = write(tmp_path, "pick.xml", f"""<assessmentItem {QTI22} identifier="pick" title="Pick">
      <responseDeclaration identifier="R" cardinality="single" baseType="identifier">
        <mapping defaultValue="0"><mapEntry mapKey="A" mappedValue="1"/><mapEntry mapKey="B" mappedValue="1"/>
        </mapping></responseDeclaration>
      <itemBody><choiceInteraction responseIdentifier="R"><prompt>Pick one</prompt>
        <simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>
      </choiceInteraction></itemBody>
      <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>
    </assessmentItem>""")

    report = run_import(path)

    assert report.unsupported[0].reason.startswith("several right choices (A, B) for a single answer are not supported")


def test_it_skips_other_xml_in_a_folder_without_a_manifest_and_says_so(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "qti30/text_entry.xml", write(tmp_path, "bank/iron.xml", ""))
    write(tmp_path, "bank/notes.xml", "<notes/>")

    report = run_import(tmp_path / "bank")

    assert [i.key for i in report.imported] == ["bank-symbol-text"]
    assert report.warnings == ["notes.xml: not a QTI assessment item (<notes>): skipped"]


# --- Errors stop the import, naming the file and line ------------------------------------------------


def test_it_refuses_malformed_xml_with_its_line_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    shutil.copytree(FIXTURES / "qti22", folder)
    shutil.copy(FIXTURES / "malformed.xml", folder / "malformed.xml")

    with pytest.raises(ImportInvalid) as caught:
        run_import(folder)

    assert [str(e) for e in caught.value.errors] == ["malformed.xml line 5: not well-formed XML: mismatched tag "
                                                     "(column 5)"]
    assert not Question.objects.exists()


@pytest.mark.parametrize("fixture", ["bomb.xml", "external_entity.xml"])
def test_it_refuses_entities_without_expanding_them(fixture: str) -> None:
    started = time.monotonic()
    with pytest.raises(ImportInvalid) as caught:
        run_import(FIXTURES / fixture)

    assert time.monotonic() - started < 5  # refused before any expansion
    (error,) = caught.value.errors
    assert error.line == 3
    assert "declares an entity or refers to an external resource, which is refused" in error.message
    assert not Question.objects.exists()


def test_it_refuses_an_item_breaking_qti_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "lost.xml", f"""<assessmentItem {QTI22} identifier="lost" title="Lost">
      <responseDeclaration identifier="R" cardinality="single" baseType="identifier">
        <correctResponse><value>Z</value></correctResponse></responseDeclaration>
      <itemBody><choiceInteraction responseIdentifier="R">
        <simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>
      </choiceInteraction></itemBody>
    </assessmentItem>""")

    with pytest.raises(ImportInvalid) as caught:
        run_import(path)

    assert [str(e) for e in caught.value.errors] == [
        "line 2 (lost): the correct response names a choice that does not exist (Z)"]


def test_it_needs_a_skill_or_suggestions() -> None:
    with pytest.raises(ImportInvalid, match="QTI items name no Pathwise skill"):
        run_import(FIXTURES / "qti22", skill_slug=None)
    with pytest.raises(ImportInvalid, match="unknown skill 'nope'"):
        run_import(FIXTURES / "qti22", skill_slug="nope")


def test_it_imports_untagged_questions_with_suggested_skills() -> None:
    report = run_import(FIXTURES / "qti22", skill_slug=None, suggest_skills=True)

    assert len(report.imported) == 4
    assert not Question.objects.filter(skills__isnull=False).exists()
    assert set(SkillSuggestion.objects.values_list("source", flat=True)) <= {"import_qti"}


def test_it_refuses_two_items_with_one_identifier(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "qti22/choice.xml", write(tmp_path, "a/one.xml", ""))
    shutil.copy(FIXTURES / "qti22/choice.xml", write(tmp_path, "a/two.xml", ""))

    with pytest.raises(ImportInvalid, match=r"two.xml line 4 \(median-choice\): the identifier is used by another item"):
        run_import(tmp_path / "a")


# --- Content packages ------------------------------------------------------------------------------


def package_zip(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """The fixture package zipped as exporters do: everything under one top folder."""
    path = tmp_path / "statistics.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted((FIXTURES / "package").rglob("*")):
            if file.is_file():
                archive.write(file, "statistics/" + file.relative_to(FIXTURES / "package").as_posix())
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return path


def test_it_imports_the_items_a_zip_manifest_lists(tmp_path: Path) -> None:
    report = run_import(package_zip(tmp_path))

    assert [(i.file, i.key) for i in report.imported] == [
        ("statistics/items/median.xml", "bank-median-choice"),
        ("statistics/items/estimate.xml", "bank-estimate-numeric")]
    assert [i.name for i in report.unsupported] == ["river-essay"]
    assert report.warnings == ["statistics/imsmanifest.xml: 1 assessment test is not imported (only the items "
                               "the manifest lists are)"]
    question = Question.objects.get(key="bank-estimate-numeric")
    assert grade(question, "190").is_correct and not grade(question, "170").is_correct


def test_it_imports_a_package_folder_and_a_second_time_changes_nothing() -> None:
    first = run_import(FIXTURES / "package")
    second = run_import(FIXTURES / "package")

    assert len(first.imported) == 2
    assert (len(second.imported), len(second.updated), len(second.unchanged)) == (0, 0, 2)


def test_it_refuses_a_zip_leaving_its_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportInvalid, match=r"unsafe path in the archive: '\.\./evil.xml'"):
        run_import(package_zip(tmp_path, {"../evil.xml": "<x/>"}))
    assert not Question.objects.exists()


def test_it_refuses_a_manifest_naming_a_missing_item(tmp_path: Path) -> None:
    manifest = (FIXTURES / "package/imsmanifest.xml").read_text().replace("items/essay.xml", "items/gone.xml", 1)
    folder = tmp_path / "bank"
    shutil.copytree(FIXTURES / "package", folder)
    (folder / "imsmanifest.xml").write_text(manifest)

    with pytest.raises(ImportInvalid, match=re.escape("imsmanifest.xml line 16: the resource R-essay names items/gone.xml, which "
                                                   "the package does not hold")):
        run_import(folder)


def test_a_dry_run_writes_nothing() -> None:
    report = run_import(FIXTURES / "qti22", dry_run=True)

    assert len(report.imported) == 4 and len(report.unsupported) == 1
    assert "Dry run: nothing was written." in report.summary()
    assert not Question.objects.exists()


# --- The command ------------------------------------------------------------------------------------


def test_the_command_prints_the_report() -> None:
    out = StringIO()
    call_command("import_qti", str(FIXTURES / "qti30"), "--skill", "statistics", stdout=out)

    assert "4 new, 0 updated and 0 unchanged questions; 1 refused as unsupported." in out.getvalue()
    assert "qti30-mode-choice (single_choice)" in out.getvalue()
    assert "order.xml line 3 (size-order): qti-order-interaction is not supported" in out.getvalue()


def test_the_command_prints_every_error_and_exits_with_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        call_command("import_qti", str(FIXTURES / "malformed.xml"), "--skill", "statistics", stderr=err)
    assert err.getvalue() == f"{FIXTURES / 'malformed.xml'}: line 5: not well-formed XML: mismatched tag (column 5)\n"

    utility = ManagementUtility(["manage.py", "import_qti", str(FIXTURES / "bomb.xml"), "--skill", "statistics"])
    with pytest.raises(SystemExit) as caught:
        utility.execute()
    assert caught.value.code == 1
    assert "Traceback" not in capsys.readouterr().err

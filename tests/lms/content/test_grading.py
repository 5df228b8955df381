from __future__ import annotations

import pytest

from lms.content.grading import grade, text_matches
from lms.content.models import Question
from tests.lms.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def short_text(accepted: list[str], *, wildcards: bool, case_sensitive: bool = False) -> Question:
    return QuestionFactory(type=Question.SHORT_TEXT, accepted_answers=accepted, accepted_wildcards=wildcards,
                           case_sensitive=case_sensitive)


def test_it_honours_a_wildcard_in_an_accepted_answer() -> None:
    question = short_text(["fro*"], wildcards=True)

    assert grade(question, "frog").is_correct
    assert grade(question, "  FROGS ").is_correct
    assert grade(question, "fro").is_correct  # the wildcard may stand for nothing
    assert not grade(question, "a frog").is_correct
    assert not grade(question, "toad").is_correct


def test_it_accepts_anything_for_a_lone_wildcard() -> None:
    question = short_text(["*"], wildcards=True)

    assert grade(question, "whatever was typed").score == 1.0


def test_it_reads_an_escaped_asterisk_literally() -> None:
    question = short_text([r"2\*3"], wildcards=True)

    assert grade(question, "2*3").is_correct
    assert not grade(question, "2x3").is_correct


def test_it_keeps_asterisks_literal_without_wildcards() -> None:
    question = short_text(["fro*"], wildcards=False)

    assert grade(question, "fro*").is_correct
    assert not grade(question, "frog").is_correct


def test_it_matches_the_middle_and_respects_case_when_asked() -> None:
    assert text_matches("*the*mean*", "It is the arithmetic mean.", case_sensitive=False, wildcards=True)
    assert not text_matches("Paris*", "paris, France", case_sensitive=True, wildcards=True)
    assert text_matches("Paris*", "Paris, France", case_sensitive=True, wildcards=True)
    # Characters that mean something in a regular expression are matched as themselves.
    assert not text_matches("a.c*", "abc", case_sensitive=False, wildcards=True)
    assert text_matches("a.c*", "a.cd", case_sensitive=False, wildcards=True)

"""Turning what a learner typed or picked into a validated answer and a grade.

Plain functions on a question, used by the quiz views, the API and the importers' checks alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from lms.content.models import Question


class InvalidAnswer(ValueError):
    """The answer has the wrong shape for the question (not merely a wrong answer)."""


@dataclass(frozen=True)
class Grade:
    is_correct: bool
    score: float
    answer: Any  # normalised, JSON-serialisable


def _normalise_text(value: str, case_sensitive: bool) -> str:
    value = re.sub(r"\s+", " ", value.strip())
    return value if case_sensitive else value.casefold()


_WILDCARD_RE = re.compile(r"(?<!\\)\*")


def text_matches(accepted: str, answer: str, *, case_sensitive: bool, wildcards: bool) -> bool:
    """Whether a typed answer matches one accepted answer.

    Whitespace runs count as one space and, unless ``case_sensitive``, case is ignored. With
    ``wildcards``, ``*`` in the accepted answer stands for any characters (none included) and ``\\*`` for
    an asterisk, as in Moodle's short-answer questions.
    """
    pattern = _normalise_text(accepted, case_sensitive)
    typed = _normalise_text(answer, case_sensitive)
    if not wildcards:
        return pattern == typed
    pieces = [re.escape(piece.replace("\\*", "*")) for piece in _WILDCARD_RE.split(pattern)]
    return re.fullmatch(".*".join(pieces), typed, flags=re.DOTALL) is not None


def parse_answer(question: Question, raw: Any) -> Any:
    """Validate a raw answer (form values or JSON) and return its normal form.

    single_choice: a choice id; multiple_choice: a sorted list of choice ids; true_false: a bool;
    numeric: a float; short_text: a string.
    """
    qtype = question.type
    if qtype in Question.CHOICE_TYPES:
        values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        if any(isinstance(v, bool | float) for v in values):
            raise InvalidAnswer(_("choose one of the options"))
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError, OverflowError):
            raise InvalidAnswer(_("choose one of the options")) from None
        valid = {c.pk for c in question.choices.all()}  # prefetched by the quiz views
        if not ids:
            raise InvalidAnswer(_("choose an option") if qtype == Question.SINGLE else _("choose at least one option"))
        if not set(ids) <= valid:
            raise InvalidAnswer(_("that option does not belong to this question"))
        if qtype == Question.SINGLE:
            if len(ids) != 1:
                raise InvalidAnswer(_("choose exactly one option"))
            return ids[0]
        return ids
    if qtype == Question.TRUE_FALSE:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes"}:
            return True
        if text in {"false", "0", "no"}:
            return False
        raise InvalidAnswer(_("answer true or false"))
    if qtype == Question.NUMERIC:
        if isinstance(raw, bool):
            raise InvalidAnswer(_("enter a number"))
        try:
            value = float(str(raw).strip().replace(",", ".")) if not isinstance(raw, int | float) else float(raw)
        except (ValueError, OverflowError):
            raise InvalidAnswer(_("enter a number, such as 12.5")) from None
        if not math.isfinite(value):
            raise InvalidAnswer(_("enter a finite number"))
        return value
    if qtype == Question.SHORT_TEXT:
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidAnswer(_("type an answer"))
        if len(raw) > 500:
            raise InvalidAnswer(_("keep the answer under 500 characters"))
        return raw.strip()
    raise InvalidAnswer(f"unknown question type {qtype!r}")


def grade(question: Question, raw: Any) -> Grade:
    """Grade an answer. Raises InvalidAnswer when it cannot be graded at all."""
    answer = parse_answer(question, raw)
    qtype = question.type
    if qtype in Question.CHOICE_TYPES:
        correct_ids = {c.pk for c in question.choices.all() if c.is_correct}
        picked = {answer} if qtype == Question.SINGLE else set(answer)
        if qtype == Question.SINGLE:
            ok = picked == correct_ids
            return Grade(ok, 1.0 if ok else 0.0, answer)
        right = len(picked & correct_ids)
        wrong = len(picked - correct_ids)
        score = max(0.0, (right - wrong) / len(correct_ids)) if correct_ids else 0.0
        return Grade(picked == correct_ids, round(score, 4), answer)
    if qtype == Question.TRUE_FALSE:
        ok = answer == question.true_false_answer
        return Grade(ok, 1.0 if ok else 0.0, answer)
    if qtype == Question.NUMERIC:
        target = question.numeric_answer
        ok = target is not None and abs(answer - target) <= question.numeric_tolerance + 1e-9
        return Grade(ok, 1.0 if ok else 0.0, answer)
    ok = any(text_matches(accepted, answer, case_sensitive=question.case_sensitive,
                          wildcards=question.accepted_wildcards) for accepted in question.accepted_answers)
    return Grade(ok, 1.0 if ok else 0.0, answer)


def correct_answer_text(question: Question) -> str:
    """The right answer in words, for feedback."""
    if question.type in Question.CHOICE_TYPES:
        return "; ".join(c.text for c in question.choices.all() if c.is_correct)
    if question.type == Question.TRUE_FALSE:
        return "True" if question.true_false_answer else "False"
    if question.type == Question.NUMERIC:
        value = f"{question.numeric_answer:g}"
        return f"{value} (± {question.numeric_tolerance:g})" if question.numeric_tolerance else value
    return question.accepted_answers[0] if question.accepted_answers else ""

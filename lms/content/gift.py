"""Import questions written in Moodle's GIFT format into the question bank.

See ``docs/gift.md`` for what is supported and how each construct maps to a bank question. Constructs
the bank cannot hold are reported with their line, never silently dropped. A file with syntax errors
imports nothing; otherwise every supported question is written in one transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

from lms.content.importing import (
    KEY_RE,
    SLUG_RE,
    BankImportReport,
    ChoiceSpec,
    ImportInvalid,
    ImportProblem,
    ParsedQuestion,
    QuestionSpec,
    bank_import_options_check,
)
from lms.content.models import Question, Skill
from lms.content.services import bank_questions_import

FORMATS = ("markdown", "html", "plain", "moodle")
_ESCAPABLE = "~=#{}:"
_FORMAT_RE = re.compile(r"^\s*\[(" + "|".join(FORMATS) + r")\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_MARKDOWN_SPECIALS_RE = re.compile(r"([\\`*_\[\]<>#|!])")


# --- Scanning -------------------------------------------------------------------------------------


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first ``target`` at or after ``start`` that is not escaped with a backslash."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: ``[(separator, text), ...]``; the first has ``""``."""
    parts: list[tuple[str, str]] = []
    sep, current = "", []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch in separators:
            parts.append((sep, "".join(current)))
            sep, current = ch, []
        else:
            current.append(ch)
        i += 1
    parts.append((sep, "".join(current)))
    return parts


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPABLE or nxt == "\\":
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _formatted(text: str, default: str = "moodle") -> str:
    """Unescape a text and turn it into Markdown according to its ``[format]`` tag."""
    fmt = default
    match = _FORMAT_RE.match(text)
    if match:
        fmt = match.group(1).lower()
        text = text[match.end():]
    text = _unescape(text).strip()
    if fmt == "plain":
        return _MARKDOWN_SPECIALS_RE.sub(r"\\\1", text)
    return text  # Markdown, HTML (valid inside Markdown, sanitised on display) and Moodle's auto-format


def _plain(text: str) -> str:
    match = _FORMAT_RE.match(text)
    return _unescape(text[match.end():] if match else text).strip()


# --- Parsing --------------------------------------------------------------------------------------


@dataclass
class _Block:
    line: int
    text: str


class _Unsupported(Exception):
    pass


class _Invalid(Exception):
    pass


@dataclass
class _Answer:
    sign: str  # "=" right, "~" wrong
    weight: float | None
    text: str
    feedback: str


@dataclass
class _Parsed(ParsedQuestion):
    category: str | None = None


def _blocks(text: str) -> list[_Block]:
    """Questions are separated by blank lines; lines starting with ``//`` are comments."""
    blocks: list[_Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if current:
                blocks.append(_Block(start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append(_Block(start, "\n".join(current)))
    return blocks


def _answers(body: str) -> list[_Answer]:
    answers = []
    for sign, chunk in _split(body, "=~"):
        if not sign:
            if chunk.strip():
                raise _Invalid(f"unexpected text {chunk.strip()!r} before the first answer; "
                               "start each answer with '=' (right) or '~' (wrong)")
            continue
        weight = None
        match = _WEIGHT_RE.match(chunk)
        if match:
            weight = float(match.group(1))
            chunk = chunk[match.end():]
        pieces = _split(chunk, "#")
        text = pieces[0][1]
        feedback = "#".join(part for _sep, part in pieces[1:])
        answers.append(_Answer(sign, weight, text, feedback))
    return answers


def _number(text: str, what: str) -> float:
    try:
        value = float(_unescape(text).strip())
    except ValueError:
        raise _Invalid(f"{what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise _Invalid(f"{what} must be a finite number")
    return value


def _numeric_value(text: str) -> tuple[float, float]:
    """``3.5:0.1`` -> (3.5, 0.1); ``1..5`` -> (3, 2): the midpoint and the half-width."""
    text = text.strip()
    if ".." in text:
        low_text, high_text = text.split("..", 1)
        low, high = _number(low_text, "the lower bound"), _number(high_text, "the upper bound")
        if low > high:
            raise _Invalid(f"the range {text} runs backwards")
        return (low + high) / 2, (high - low) / 2
    if ":" in text:
        value_text, tolerance_text = text.split(":", 1)
        value, tolerance = _number(value_text, "the answer"), _number(tolerance_text, "the tolerance")
        if tolerance < 0:
            raise _Invalid("the tolerance must not be negative")
        return value, tolerance
    return _number(text, "the answer"), 0.0


def _with_feedback(base: str, feedback: list[tuple[str, str]]) -> str:
    """The explanation: ``base`` followed by the feedback GIFT gives for particular answers, since a
    Pathwise question shows one explanation whatever the answer (kept, never dropped)."""
    lines = [f"- {label}: {text}" for label, text in feedback if text]
    return "\n\n".join(part for part in [base, "\n".join(lines)] if part)


def _explain(general: str, fallback: str, feedback: list[tuple[str, str]] | None = None) -> str:
    return _with_feedback(_formatted(general) if general.strip() else fallback, feedback or [])


def _weight_text(weight: float) -> str:
    return f"%{weight:g}%"


def _parse_answer_block(parsed: _Parsed, body: str) -> tuple[str, dict[str, object]]:
    """Return the question type and the type's fields, or raise _Unsupported / _Invalid."""
    general = ""
    at = _find(body, "####")
    if at >= 0:
        body, general = body[:at], body[at + 4:]
    stripped = body.strip()
    if not stripped:
        if general.strip():
            raise _Invalid("the answer block holds only general feedback")
        raise _Unsupported("essay questions ({}) are not supported: nothing to grade automatically")

    if stripped.startswith("#"):
        return _parse_numeric(parsed, stripped[1:], general)

    head = _split(stripped, "#")
    if head[0][1].strip().upper() in {"T", "TRUE", "F", "FALSE"}:
        is_true = head[0][1].strip().upper().startswith("T")
        # Moodle's order: {TRUE#feedback for a wrong answer#feedback for a right answer}
        feedbacks = [_formatted(part) for _sep, part in head[1:3]] + ["", ""]
        wrong_feedback, right_feedback = feedbacks[0], feedbacks[1]
        right_word, wrong_word = ("true", "false") if is_true else ("false", "true")
        fallback = f"The statement is {right_word}."
        return Question.TRUE_FALSE, {"true_false_answer": is_true, "explanation": _explain(
            general, fallback, [(f"If you answered {right_word}", right_feedback),
                                (f"If you answered {wrong_word}", wrong_feedback)])}

    answers = _answers(stripped)
    # As in Moodle: a '~' makes a multiple choice question, otherwise '=a -> b' makes a matching one.
    if all(a.sign == "=" for a in answers) and any(_find(a.text, "->") >= 0 for a in answers):
        raise _Unsupported("matching questions (=a -> b) are not supported: Pathwise has no matching type")
    for answer in answers:
        if not _plain(answer.text):
            raise _Invalid("an answer is empty")
        if len(_plain(answer.text)) > 500 or len(_plain(answer.feedback)) > 500:
            raise _Invalid("answers and their feedback must be at most 500 characters")

    if all(a.sign == "=" for a in answers):
        return _parse_short_answer(answers, general)

    right = [a for a in answers if a.sign == "="]
    partial = [a for a in right if a.weight is not None and a.weight < 100]
    if partial:
        raise _Unsupported(f"right answers with partial credit (={_weight_text(partial[0].weight or 0)}"
                           f"{_plain(partial[0].text)}) are not supported")
    weighted = [a for a in answers if a.sign == "~" and a.weight is not None and a.weight > 0]
    if weighted and right:
        raise _Unsupported(f"single-answer questions with partial credit (~{_weight_text(weighted[0].weight or 0)}"
                           f"{_plain(weighted[0].text)}) are not supported")
    if weighted:
        qtype = Question.MULTIPLE
        correct = [a.sign == "~" and a.weight is not None and a.weight > 0 for a in answers]
    else:
        if not right:
            raise _Invalid("no answer is marked right: mark one with '=' (or give weights such as ~%50%)")
        if len(right) > 1:
            raise _Unsupported("single-answer questions with several right answers are not supported "
                               "(use weights such as ~%50% for a question with several right answers)")
        qtype = Question.SINGLE
        correct = [a.sign == "=" for a in answers]
    if len(answers) < 2:
        raise _Invalid("a multiple choice question needs at least 2 answers")
    choices = [ChoiceSpec(text=_plain(a.text), is_correct=ok, feedback=_plain(a.feedback))
               for a, ok in zip(answers, correct, strict=True)]
    right_texts = [c.text for c in choices if c.is_correct]
    if qtype == Question.SINGLE:
        fallback = f"The right answer is: {right_texts[0]}."
    else:
        fallback = "The right answers are: " + "; ".join(right_texts) + "."
    return qtype, {"choices": choices, "explanation": _explain(general, fallback)}


def _parse_short_answer(answers: list[_Answer], general: str) -> tuple[str, dict[str, object]]:
    """Answers with full credit are accepted; 0% answers only carry feedback (``=%0%*#...`` is feedback for
    any other answer); partial credit is refused. ``*`` is Moodle's wildcard, ``\\*`` an asterisk."""
    accepted: list[str] = []
    feedback: list[tuple[str, str]] = []
    for answer in answers:
        text = _plain(answer.text)
        if answer.weight is not None and answer.weight != 0 and answer.weight < 100:
            raise _Unsupported(f"short answers with partial credit (={_weight_text(answer.weight)}{text}) "
                               "are not supported: an answer is either accepted or not")
        if answer.weight == 0:
            label = "Any other answer" if text == "*" else f"If you answered {text}"
            feedback.append((label, _plain(answer.feedback)))
            continue
        accepted.append(text)
        feedback.append((f"If you answered {text}", _plain(answer.feedback)))
    if not accepted:
        raise _Invalid("no answer gets full credit: give at least one answer without a weight (or with %100%)")
    wildcards = any(_find(text, "*") >= 0 for text in accepted)
    if not wildcards:
        accepted = [text.replace("\\*", "*") for text in accepted]
    fallback = f"Accepted answer{'s' if len(accepted) > 1 else ''}: " + ", ".join(accepted) + "."
    return Question.SHORT_TEXT, {"accepted_answers": accepted, "case_sensitive": False,
                                 "accepted_wildcards": wildcards,
                                 "explanation": _explain(general, fallback, feedback)}


def _parse_numeric(parsed: _Parsed, body: str, general: str) -> tuple[str, dict[str, object]]:
    feedback: list[tuple[str, str]] = []
    other = ""
    tilde = _find(body, "~")
    if tilde >= 0:
        # As in Moodle: '~#feedback' after the answers is the feedback for any other answer.
        body, wrong = body[:tilde], body[tilde + 1:]
        pieces = _split(wrong, "#")
        if pieces[0][1].strip() or _find(wrong, "~") >= 0:
            raise _Invalid("after the answers, a numeric question takes only '~#feedback for any other answer'")
        other = _plain("#".join(p for _s, p in pieces[1:]))
    if _find(body.strip(), "=") == 0:
        answers = [a for a in _answers(body.strip()) if a.sign == "="]
        full = [a for a in answers if a.weight is None or a.weight >= 100]
        if len(full) != 1:
            raise _Unsupported("numeric questions with several partially-credited answers "
                               "(and not exactly one fully right answer) are not supported")
        chosen = full[0]
        partial = [a for a in answers if a is not chosen and a.weight != 0]
        if partial:
            parsed.warnings.append(
                f"line {parsed.line}: kept only the fully right numeric answer {_plain(chosen.text)}; partial "
                "credit is not supported, so the partially-credited answer(s) "
                + ", ".join(f"{_weight_text(a.weight or 0)}{_plain(a.text)}" for a in partial) + " were dropped")
        value, tolerance = _numeric_value(_unescape(chosen.text))
        right_feedback = _plain(chosen.feedback)
        feedback.extend((f"If you answered {_plain(a.text)}", _plain(a.feedback))
                        for a in answers if a.weight == 0)
    else:
        pieces = _split(body, "#")
        value, tolerance = _numeric_value(_unescape(pieces[0][1]))
        right_feedback = _plain("#".join(p for _s, p in pieces[1:]))
    shown = f"{value:g} (± {tolerance:g})" if tolerance else f"{value:g}"
    feedback.insert(0, ("If your answer is right", right_feedback))
    feedback.append(("Any other answer", other))
    return Question.NUMERIC, {"numeric_answer": value, "numeric_tolerance": tolerance,
                              "explanation": _explain(general, f"The answer is {shown}.", feedback)}


_GAP = "\\_\\_\\_\\_\\_"  # Moodle's blank, escaped so that Markdown shows the underscores
_GAP_MARK = "\x00gap\x00"  # a NUL never survives parsing, so it cannot clash with the text


def _parse_block(block: _Block, category: str | None) -> _Parsed:
    text = block.text
    title = ""
    if text.lstrip().startswith("::"):
        text = text.lstrip()
        end = _find(text, "::", 2)
        if end < 0:
            raise _Invalid("the title is not closed with '::'")
        title = _unescape(text[2:end]).strip()
        text = text[end + 2:]
    place = f"line {block.line}" + (f" '{title}'" if title else "")
    parsed = _Parsed(place=place, line=block.line, name=title, category=category)
    opening = _find(text, "{")
    if opening < 0:
        if _find(text, "}") >= 0:
            raise _Invalid("the answer block is not opened with '{'")
        parsed.unsupported = "description items (text without an answer block) are not supported: not a question"
        return parsed
    closing = _find(text, "}", opening)
    if closing < 0:
        raise _Invalid("the answer block is not closed with '}'")
    after = text[closing + 1:].strip()
    if after and _find(after, "{") >= 0:
        raise _Invalid("two questions must be separated by a blank line")
    # Text after the answer block makes a missing-word question: the block leaves a gap, as in Moodle.
    stem = _formatted(text[:opening] + (_GAP_MARK + text[closing + 1:] if after else "")).replace(_GAP_MARK, _GAP)
    if not stem.replace(_GAP, "").strip():
        raise _Invalid("the question has no text")
    try:
        qtype, fields = _parse_answer_block(parsed, text[opening + 1:closing])
    except _Unsupported as exc:
        parsed.unsupported = str(exc)
        return parsed
    parsed.spec = QuestionSpec(key="", type=qtype, stem=stem, explanation=str(fields.pop("explanation")),
                               difficulty=3, skills=[], **fields)  # type: ignore[arg-type]
    return parsed


def _category_skill(category: str) -> tuple[str, str]:
    """``$course$/top/Data literacy/Averages`` -> (``averages``, ``Averages``)."""
    parts = [p.strip() for p in category.split("/") if p.strip() and p.strip() not in ("$course$", "$system$")]
    name = parts[-1] if parts else ""
    return slugify(name)[:80].strip("-"), name[:120]


def parse_gift(text: str) -> tuple[list[_Parsed], list[ImportProblem]]:
    """Parse a GIFT text into questions (each supported or not) and syntax errors."""
    items: list[_Parsed] = []
    # PostgreSQL refuses a NUL character in text; a GIFT file holding one is damaged or not text.
    errors = [ImportProblem("contains a NUL character (\\0), which no question may hold", line=number)
              for number, line in enumerate(text.splitlines(), start=1) if "\x00" in line]
    category: str | None = None
    for block in _blocks(text):
        body = block.text
        line = block.line
        while body.lstrip().startswith("$CATEGORY:"):
            first, _newline, rest = body.lstrip().partition("\n")
            category = first[len("$CATEGORY:"):].strip()
            body, line = rest, line + 1
        if not body.strip():
            continue
        try:
            items.append(_parse_block(_Block(line, body), category))
        except _Invalid as exc:
            title = ""
            if body.lstrip().startswith("::"):
                end = _find(body.lstrip(), "::", 2)
                title = _unescape(body.lstrip()[2:end]).strip() if end > 0 else ""
            errors.append(ImportProblem(str(exc), line=line, item=title))
    return items, errors


# --- Import ---------------------------------------------------------------------------------------


def _assign_keys(items: list[_Parsed], key_prefix: str, errors: list[ImportProblem], warnings: list[str], *,
                 titles_are_keys: bool = False) -> None:
    used: set[str] = set()
    for number, item in enumerate(items, start=1):
        if item.spec is None:
            continue
        if titles_are_keys:
            if not item.name:
                errors.append(ImportProblem("the question has no title, and titles are the keys here: give it one "
                                            "(::key::)", line=item.line))
            elif not KEY_RE.match(item.name) or len(item.name) > 100:
                errors.append(ImportProblem("the title is not a question key (letters, digits, '-', '_' or '.', at "
                                            "most 100 characters)", line=item.line, item=item.name))
            elif item.name in used:
                errors.append(ImportProblem("the key is used by an earlier question", line=item.line, item=item.name))
            used.add(item.name)
            item.spec.key = item.name
            continue
        base = slugify(item.name) if item.name else ""
        base = f"{key_prefix}-{base}" if base else f"{key_prefix}-{number:03d}"
        base = base[:100].rstrip("-")
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base[:95]}-{n}"
        if key != base:
            warnings.append(f"line {item.line}: the title repeats an earlier one; the key is {key}")
        used.add(key)
        if not KEY_RE.match(key):
            errors.append(ImportProblem(f"cannot make a valid question key from {key!r}", line=item.line,
                                        item=item.name))
        item.spec.key = key


def question_bank_import_gift(*, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int | None = None,
                              dry_run: bool = False, suggest_skills: bool = False,
                              titles_are_keys: bool = False) -> BankImportReport:
    """Import the questions of a GIFT file into the bank (not into any module).

    ``skill_slug`` (an existing skill) overrides the skills made from ``$CATEGORY:`` lines. Keys are
    ``<key_prefix>-<slugified title>``, or ``<key_prefix>-<number>`` for untitled questions, so a second
    import updates the same questions; with ``titles_are_keys`` the title is the key itself, as
    ``question_bank_export_gift`` writes it. ``difficulty`` applies to every question; without it, new
    questions get 3 and existing ones keep theirs. Raises ``ImportInvalid`` listing every syntax error
    (and an empty file), writing nothing. With ``suggest_skills``, a question without a category is
    imported untagged and gets suggested skills, recorded for an admin to approve (never applied here).
    """
    bank_import_options_check(key_prefix=key_prefix, difficulty=difficulty, keys_from_prefix=not titles_are_keys)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ImportInvalid([ImportProblem(f"cannot read {path}: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise ImportInvalid([ImportProblem(f"{path} is not UTF-8 text (byte {exc.start})")]) from None

    items, errors = parse_gift(text)
    if not items and not errors:
        raise ImportInvalid([ImportProblem("the file holds no questions: it is empty or holds only comments "
                                           "and categories")])
    report = BankImportReport(unsupported_verb="skipped", dry_run=dry_run)
    for item in items:
        report.warnings.extend(item.warnings)
    _assign_keys(items, key_prefix, errors, report.warnings, titles_are_keys=titles_are_keys)
    if skill_slug is not None and (not SLUG_RE.match(skill_slug) or not Skill.objects.filter(slug=skill_slug).exists()):
        errors.append(ImportProblem(f"unknown skill {skill_slug!r}"))
    for item in items:
        if item.spec is None or skill_slug is not None:
            continue
        if item.category is None and suggest_skills:
            continue
        if item.category is None:
            errors.append(ImportProblem("the question has no skill: add a $CATEGORY: line before it or choose a "
                                        "skill with --skill", line=item.line, item=item.name))
        elif not _category_skill(item.category)[0]:
            errors.append(ImportProblem(f"cannot make a skill slug from the category {item.category!r}",
                                        line=item.line, item=item.name))
    if errors:
        raise ImportInvalid(sorted(errors, key=lambda e: e.line))

    def skills_for(item: _Parsed) -> list[str]:
        if skill_slug is not None:
            return [skill_slug]
        if item.category is None:  # untagged, with suggest_skills
            return []
        slug, name = _category_skill(item.category)
        _skill, created = Skill.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            report.skills_created.append(slug)
        return [slug]

    bank_questions_import(items=items, skills_for=skills_for, difficulty=difficulty, source="import_gift",
                          report=report)
    return report


# --- Export ---------------------------------------------------------------------------------------


@dataclass
class GiftExport:
    text: str
    count: int
    warnings: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    """GIFT text as Moodle writes it: control characters escaped, line breaks as ``\\n``."""
    out = text.strip().replace("\r\n", "\n").replace("\r", "\n").replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", "\\n")


def _answer_text(text: str) -> str:
    """An answer or feedback: a text that would read as a format tag or a weight gets ``[moodle]`` first."""
    escaped = _escape(text)
    if _FORMAT_RE.match(escaped) or _WEIGHT_RE.match(escaped):
        return "[moodle]" + escaped
    return escaped


def _category_line(skill: Skill) -> str:
    """``$CATEGORY:`` naming the skill so that an import finds the same skill again."""
    name = skill.name.strip()
    usable = name and "/" not in name and name not in ("$course$", "$system$")
    last = name if usable and _category_skill(name)[0] == skill.slug else skill.slug
    return f"$CATEGORY: $course$/top/{last}"


def _weight(share: float) -> str:
    return f"{share:.5f}".rstrip("0").rstrip(".")


def _question_gift(question: Question, warnings: list[str]) -> str:
    lines = [f"::{question.key}::[markdown]{_escape(question.stem)}{{"]
    qtype = question.type
    if qtype in Question.CHOICE_TYPES:
        choices = list(question.choices.all())
        n_correct = sum(c.is_correct for c in choices) or 1
        for choice in choices:
            if qtype == Question.SINGLE:
                mark = "=" if choice.is_correct else "~"
            else:
                # Each right pick earns 1/n and each wrong pick costs 1/n: Pathwise's own scoring.
                mark = f"~%{'' if choice.is_correct else '-'}{_weight(100 / n_correct)}%"
            feedback = f"#{_answer_text(choice.feedback)}" if choice.feedback.strip() else ""
            lines.append(f"\t{mark}{_answer_text(choice.text)}{feedback}")
    elif qtype == Question.TRUE_FALSE:
        lines[0] += "TRUE" if question.true_false_answer else "FALSE"
    elif qtype == Question.NUMERIC:
        tolerance = f":{question.numeric_tolerance!r}" if question.numeric_tolerance else ""
        lines[0] += f"#{question.numeric_answer!r}{tolerance}"
    elif qtype == Question.SHORT_TEXT:
        if question.case_sensitive:
            warnings.append(f"{question.key}: GIFT cannot say that an answer is case-sensitive; "
                            "imported back, it is not")
        for accepted in question.accepted_answers:
            # Without wildcards an asterisk is literal, which Moodle writes as \*.
            pattern = accepted if question.accepted_wildcards else accepted.replace("*", "\\*")
            if _find(pattern, "->") >= 0:
                warnings.append(f"{question.key}: the accepted answer {accepted!r} holds '->', which an import "
                                "reads as a matching question")
            lines.append(f"\t={_answer_text(pattern)}")
    explanation = _escape(question.explanation)
    if _FORMAT_RE.match(explanation):
        explanation = "[markdown]" + explanation
    if len(lines) == 1:
        lines[0] += f"####{explanation}}}"
    else:
        lines.append(f"\t####{explanation}")
        lines.append("}")
    return "\n".join(lines)


def question_bank_export_gift(*, questions: Iterable[Question]) -> GiftExport:
    """Write bank questions as GIFT, grouped under a ``$CATEGORY:`` per skill.

    Titles are the question keys, so importing the file with ``titles_are_keys`` updates the same
    questions, and exporting them again gives the same file. GIFT holds what every Pathwise question
    type needs, except a question's difficulty, a second skill and case-sensitivity: these are listed
    in the warnings.
    """
    chosen = list(questions)
    by_pk = {q.pk: q for q in Question.objects.filter(pk__in=[q.pk for q in chosen])
             .prefetch_related("skills", "choices")}
    warnings: list[str] = []
    grouped: list[tuple[str, Skill | None, Question]] = []
    for question in by_pk.values():
        skills = sorted(question.skills.all(), key=lambda s: s.slug)
        if len(skills) > 1:
            warnings.append(f"{question.key}: GIFT gives a question one category; it is written under "
                            f"{skills[0].slug}, and importing the file leaves it with that skill alone "
                            f"(it has {', '.join(s.slug for s in skills)})")
        grouped.append((skills[0].slug if skills else "", skills[0] if skills else None, question))
    grouped.sort(key=lambda row: (row[0], row[2].key))
    parts = [f"// Pathwise question bank: {len(grouped)} question{'s' if len(grouped) != 1 else ''}. The titles are "
             "the question keys: import_gift --titles-are-keys updates the same questions."]
    category: str | None = None
    for slug, skill, question in grouped:
        if skill is not None and slug != category:
            parts.append(_category_line(skill))
            category = slug
        parts.append(_question_gift(question, warnings))
    return GiftExport(text="\n\n".join(parts) + "\n", count=len(grouped), warnings=warnings)

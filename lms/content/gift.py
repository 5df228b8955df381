"""Import questions written in Moodle's GIFT format into the question bank.

See ``docs/gift.md`` for what is supported and how each construct maps to a bank question. Constructs
the bank cannot hold are reported with their line, never silently dropped. A file with syntax errors
imports nothing; otherwise every supported question is written in one transaction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from lms.content.models import Question, Skill
from lms.content.packages import KEY_RE, SLUG_RE, ChoiceSpec, QuestionSpec, question_upsert

FORMATS = ("markdown", "html", "plain", "moodle")
_ESCAPABLE = "~=#{}:"
_FORMAT_RE = re.compile(r"^\s*\[(" + "|".join(FORMATS) + r")\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_MARKDOWN_SPECIALS_RE = re.compile(r"([\\`*_\[\]<>#|!])")


# --- Results and errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftError:
    line: int
    title: str
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        title = f" ({self.title})" if self.title else ""
        return f"line {self.line}{title}: {self.message}"


class GiftInvalid(Exception):
    """The file has syntax errors; nothing was written. ``errors`` lists every one of them."""

    def __init__(self, errors: list[GiftError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class GiftItem:
    line: int
    title: str
    key: str = ""
    type: str = ""
    reason: str = ""

    def __str__(self) -> str:
        title = f" '{self.title}'" if self.title else ""
        if self.reason:
            return f"line {self.line}{title}: {self.reason}"
        return f"line {self.line}{title}: {self.key} ({self.type})"


@dataclass
class GiftReport:
    imported: list[GiftItem] = field(default_factory=list)
    updated: list[GiftItem] = field(default_factory=list)
    unchanged: list[GiftItem] = field(default_factory=list)
    skipped: list[GiftItem] = field(default_factory=list)
    skills_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        lines = [f"{len(self.imported)} new, {len(self.updated)} updated and {len(self.unchanged)} unchanged "
                 f"questions; {len(self.skipped)} skipped as unsupported."]
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        if self.skills_created:
            lines.append(f"Skills that {verb} created: {', '.join(self.skills_created)}")
        for heading, items in (("New", self.imported), ("Updated", self.updated), ("Unchanged", self.unchanged),
                               ("Skipped (unsupported)", self.skipped)):
            if items:
                lines.append(f"{heading}:")
                lines.extend(f"  {item}" for item in items)
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {w}" for w in self.warnings)
        if self.suggestions:
            lines.append("Suggested skills for untagged questions, waiting for approval (admin: Skill suggestions):")
            lines.extend(f"  - {s}" for s in self.suggestions)
        return "\n".join(lines)


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
class _Parsed:
    line: int
    title: str
    category: str | None
    spec: QuestionSpec | None = None
    unsupported: str = ""
    warnings: list[str] = field(default_factory=list)


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


def _explain(general: str, fallback: str) -> str:
    return _formatted(general) if general.strip() else fallback


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
        raise _Unsupported("essay questions ({}) are not supported")

    if stripped.startswith("#"):
        return _parse_numeric(parsed, stripped[1:], general)

    head = _split(stripped, "#")
    if head[0][1].strip().upper() in {"T", "TRUE", "F", "FALSE"}:
        answer = head[0][1].strip().upper().startswith("T")
        # Moodle's order: {TRUE#feedback for a wrong answer#feedback for a right answer}
        feedbacks = [_formatted(part) for _sep, part in head[1:3]] + ["", ""]
        wrong_feedback, right_feedback = feedbacks[0], feedbacks[1]
        fallback = " ".join(p for p in [f"The statement is {'true' if answer else 'false'}.", right_feedback] if p)
        if wrong_feedback:
            fallback += "\n\n" + wrong_feedback
        return Question.TRUE_FALSE, {"true_false_answer": answer, "explanation": _explain(general, fallback)}

    answers = _answers(stripped)
    if any(a.sign == "=" and _find(a.text, "->") >= 0 for a in answers):
        raise _Unsupported("matching questions (=a -> b) are not supported")
    for answer in answers:
        if not _plain(answer.text):
            raise _Invalid("an answer is empty")
        if len(_plain(answer.text)) > 500 or len(_plain(answer.feedback)) > 500:
            raise _Invalid("answers and their feedback must be at most 500 characters")

    if all(a.sign == "=" for a in answers):
        if any(a.weight is not None and a.weight < 100 for a in answers):
            raise _Unsupported("short answers with partial credit (=%50%...) are not supported")
        accepted = [_plain(a.text) for a in answers]
        fallback = f"Accepted answer{'s' if len(accepted) > 1 else ''}: " + ", ".join(accepted) + "."
        return Question.SHORT_TEXT, {"accepted_answers": accepted, "case_sensitive": False,
                                     "explanation": _explain(general, fallback)}

    right = [a for a in answers if a.sign == "="]
    if any(a.weight is not None and a.weight < 100 for a in right):
        raise _Unsupported("right answers with partial credit (=%50%...) are not supported")
    weighted = [a for a in answers if a.sign == "~" and a.weight is not None and a.weight > 0]
    if weighted and right:
        raise _Unsupported("single-answer questions with partial credit (~%50%...) are not supported")
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


def _parse_numeric(parsed: _Parsed, body: str, general: str) -> tuple[str, dict[str, object]]:
    if _find(body.strip(), "=") == 0 or _find(body.strip(), "~") == 0:
        answers = [a for a in _answers(body.strip()) if a.sign == "="]
        full = [a for a in answers if a.weight is None or a.weight >= 100]
        if len(full) != 1:
            raise _Unsupported("numeric questions with several partially-credited answers "
                               "(and not exactly one fully right answer) are not supported")
        chosen = full[0]
        if len(answers) > 1:
            parsed.warnings.append(f"line {parsed.line}: kept only the fully right numeric answer "
                                   f"{_plain(chosen.text)}; {len(answers) - 1} partially-credited answer(s) dropped")
        value, tolerance = _numeric_value(_unescape(chosen.text))
        feedback = _plain(chosen.feedback)
    else:
        pieces = _split(body, "#")
        value, tolerance = _numeric_value(_unescape(pieces[0][1]))
        feedback = _plain("#".join(p for _s, p in pieces[1:]))
    shown = f"{value:g} (± {tolerance:g})" if tolerance else f"{value:g}"
    fallback = " ".join(p for p in [f"The answer is {shown}.", feedback] if p)
    return Question.NUMERIC, {"numeric_answer": value, "numeric_tolerance": tolerance,
                              "explanation": _explain(general, fallback)}


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
    parsed = _Parsed(block.line, title, category)
    opening = _find(text, "{")
    if opening < 0:
        parsed.unsupported = "description items (text without an answer block) are not supported"
        return parsed
    closing = _find(text, "}", opening)
    if closing < 0:
        raise _Invalid("the answer block is not closed with '}'")
    after = text[closing + 1:].strip()
    if after and _find(after, "{") >= 0:
        raise _Invalid("two questions must be separated by a blank line")
    stem = _formatted(text[:opening])
    if not stem:
        raise _Invalid("the question has no text")
    try:
        qtype, fields = _parse_answer_block(parsed, text[opening + 1:closing])
    except _Unsupported as exc:
        parsed.unsupported = str(exc)
        return parsed
    if after:
        parsed.unsupported = "missing-word questions (text after the answer block) are not supported"
        return parsed
    parsed.spec = QuestionSpec(key="", type=qtype, stem=stem, explanation=str(fields.pop("explanation")),
                               difficulty=3, skills=[], **fields)  # type: ignore[arg-type]
    return parsed


def _category_skill(category: str) -> tuple[str, str]:
    """``$course$/top/Data literacy/Averages`` -> (``averages``, ``Averages``)."""
    parts = [p.strip() for p in category.split("/") if p.strip() and p.strip() not in ("$course$", "$system$")]
    name = parts[-1] if parts else ""
    return slugify(name)[:80].strip("-"), name[:120]


def parse_gift(text: str) -> tuple[list[_Parsed], list[GiftError]]:
    """Parse a GIFT text into questions (each supported or not) and syntax errors."""
    items: list[_Parsed] = []
    # PostgreSQL refuses a NUL character in text; a GIFT file holding one is damaged or not text.
    errors = [GiftError(number, "", "contains a NUL character (\\0), which no question may hold")
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
            errors.append(GiftError(line, title, str(exc)))
    return items, errors


# --- Import ---------------------------------------------------------------------------------------


def _assign_keys(items: list[_Parsed], key_prefix: str, errors: list[GiftError], warnings: list[str]) -> None:
    used: set[str] = set()
    for number, item in enumerate(items, start=1):
        if item.spec is None:
            continue
        base = slugify(item.title) if item.title else ""
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
            errors.append(GiftError(item.line, item.title, f"cannot make a valid question key from {key!r}"))
        item.spec.key = key


def question_bank_import_gift(*, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int = 3,
                              dry_run: bool = False, suggest_skills: bool = False) -> GiftReport:
    """Import the questions of a GIFT file into the bank (not into any module).

    ``skill_slug`` (an existing skill) overrides the skills made from ``$CATEGORY:`` lines. Keys are
    ``<key_prefix>-<slugified title>``, or ``<key_prefix>-<number>`` for untitled questions, so a second
    import updates the same questions. Raises ``GiftInvalid`` listing every syntax error, writing nothing.
    With ``suggest_skills``, a question without a category is imported untagged and gets suggested
    skills, recorded for an admin to approve (never applied here).
    """
    if not KEY_RE.match(key_prefix or "") or len(key_prefix) > 60:
        raise GiftInvalid([GiftError(0, "", f"the key prefix {key_prefix!r} must be letters, digits, '-', '_' "
                                            "or '.', at most 60 characters")])
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        raise GiftInvalid([GiftError(0, "", f"difficulty must be from 1 to 5 (found {difficulty!r})")])
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise GiftInvalid([GiftError(0, "", f"cannot read {path}: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise GiftInvalid([GiftError(0, "", f"{path} is not UTF-8 text (byte {exc.start})")]) from None

    items, errors = parse_gift(text)
    report = GiftReport(dry_run=dry_run)
    for item in items:
        report.warnings.extend(item.warnings)
    _assign_keys(items, key_prefix, errors, report.warnings)
    if skill_slug is not None and (not SLUG_RE.match(skill_slug) or not Skill.objects.filter(slug=skill_slug).exists()):
        errors.append(GiftError(0, "", f"unknown skill {skill_slug!r}"))
    for item in items:
        if item.spec is None or skill_slug is not None:
            continue
        if item.category is None and suggest_skills:
            continue
        if item.category is None:
            errors.append(GiftError(item.line, item.title, "the question has no skill: add a $CATEGORY: line "
                                                           "before it or choose a skill with --skill"))
        elif not _category_skill(item.category)[0]:
            errors.append(GiftError(item.line, item.title,
                                    f"cannot make a skill slug from the category {item.category!r}"))
    if errors:
        raise GiftInvalid(sorted(errors, key=lambda e: e.line))

    with transaction.atomic():
        for item in items:
            if item.spec is None:
                report.skipped.append(GiftItem(item.line, item.title, reason=item.unsupported))
                continue
            if skill_slug is not None:
                slug = skill_slug
            elif item.category is None:  # untagged, with suggest_skills
                slug = ""
            else:
                slug, name = _category_skill(item.category or "")
                _skill, created = Skill.objects.get_or_create(slug=slug, defaults={"name": name})
                if created:
                    report.skills_created.append(slug)
            item.spec.skills = [slug] if slug else []
            item.spec.difficulty = difficulty
            _question, outcome, warnings = question_upsert(spec=item.spec)
            report.warnings.extend(warnings)
            done = GiftItem(item.line, item.title, key=item.spec.key, type=item.spec.type)
            {"created": report.imported, "updated": report.updated, "unchanged": report.unchanged}[outcome].append(done)
        untagged = [i.spec.key for i in items if i.spec is not None and not i.spec.skills]
        if untagged:
            from adaptive.tagging import format_suggestions, skill_suggestions_record, untagged_questions

            found = skill_suggestions_record(questions=untagged_questions(untagged), source="import_gift")
            report.suggestions.extend(format_suggestions(found))
        if dry_run:
            transaction.set_rollback(True)
    return report

"""What every import of content shares: the error type, the question spec each format is parsed into,
and the report of a question bank import (GIFT, QTI).

A course package (``lms.content.packages``), a GIFT file (``gift.py``) and QTI items (``qti.py``) are
each parsed into the same ``QuestionSpec`` and written by ``services.question_upsert``. Every problem
found before writing is an ``ImportProblem``; a source with any is refused whole with ``ImportInvalid``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[A-Za-z0-9._-]+$")


# --- Errors ---------------------------------------------------------------------------------------


def where(file: str = "", line: int = 0, item: str = "") -> str:
    """``items/q1.xml line 4 (q1)``: the parts that locate a problem or an item, those known."""
    parts = [file] if file else []
    if line:
        parts.append(f"line {line}")
    if item:
        parts.append(f"({item})")
    return " ".join(parts)


@dataclass(frozen=True)
class ImportProblem:
    """One problem in an imported source, found before anything is written.

    Each format fills in what locates it: a course package the file and field
    (``course.yaml: modules[0].slug: ...``), GIFT the line and the question's title
    (``line 4 (Rivers): ...``), QTI the file, line and item identifier.
    """

    message: str
    file: str = ""
    line: int = 0
    item: str = ""
    field: str = ""

    def __str__(self) -> str:
        place = ": ".join(part for part in (where(self.file, self.line, self.item), self.field) if part)
        return f"{place}: {self.message}" if place else self.message


class ImportInvalid(Exception):
    """The source has problems; nothing was written. ``errors`` lists every one of them."""

    def __init__(self, errors: Iterable[ImportProblem]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def safe_relative_path(value: str) -> str | None:
    """The normalised relative path (``items/q1.xml``), or None if it could leave the folder or archive."""
    if not value or "\\" in value or "\x00" in value or value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        return None
    parts = [part for part in PurePosixPath(value).parts if part != "."]
    if not parts or any(part in ("..", "") for part in parts):
        return None
    return "/".join(parts)


# --- Questions ------------------------------------------------------------------------------------


@dataclass
class ChoiceSpec:
    """A choice as read from a package or another format, before it is written."""

    text: str
    is_correct: bool
    feedback: str


@dataclass
class QuestionSpec:
    """A bank question as read from a package or another format, before it is written."""

    key: str
    type: str
    stem: str
    explanation: str
    difficulty: int
    skills: list[str]
    choices: list[ChoiceSpec] = field(default_factory=list)
    true_false_answer: bool | None = None
    numeric_answer: float | None = None
    numeric_tolerance: float = 0.0
    accepted_answers: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    accepted_wildcards: bool = False


@dataclass
class ParsedQuestion:
    """One question of a GIFT file or a QTI source as its parser found it: a ``spec`` to write, or the
    reason it is ``unsupported``. ``name`` is the GIFT title or the QTI item identifier; ``place`` says
    where the source holds it, as the report shows it."""

    place: str
    line: int
    name: str
    file: str = ""
    spec: QuestionSpec | None = None
    unsupported: str = ""
    warnings: list[str] = field(default_factory=list)


# --- Reports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankItem:
    """A question of a bank import in the report: its key and type, or why it was not imported."""

    place: str
    line: int
    name: str
    file: str = ""
    key: str = ""
    type: str = ""
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.place}: {self.reason}" if self.reason else f"{self.place}: {self.key} ({self.type})"


SUGGESTIONS_HEADING = ("Untagged questions: their skills are being suggested in the background, and wait for "
                       "approval (admin: Skill suggestions):")


@dataclass
class BankImportReport:
    """What a GIFT or QTI import did (or, in a dry run, would do) to the question bank.

    ``unsupported_verb`` is the word the format's documentation uses for questions it leaves out:
    GIFT skips them, QTI refuses them.
    """

    unsupported_verb: str
    imported: list[BankItem] = field(default_factory=list)
    updated: list[BankItem] = field(default_factory=list)
    unchanged: list[BankItem] = field(default_factory=list)
    unsupported: list[BankItem] = field(default_factory=list)
    skills_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    dry_run: bool = False

    def by_outcome(self, outcome: str) -> list[BankItem]:
        """The list for a ``question_upsert`` outcome: created, updated or unchanged."""
        return {"created": self.imported, "updated": self.updated, "unchanged": self.unchanged}[outcome]

    def summary(self) -> str:
        lines = [f"{len(self.imported)} new, {len(self.updated)} updated and {len(self.unchanged)} unchanged "
                 f"questions; {len(self.unsupported)} {self.unsupported_verb} as unsupported."]
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        if self.skills_created:
            lines.append(f"Skills that {'would be' if self.dry_run else 'were'} created: "
                         f"{', '.join(self.skills_created)}")
        for heading, items in (("New", self.imported), ("Updated", self.updated), ("Unchanged", self.unchanged),
                               (f"{self.unsupported_verb.capitalize()} (unsupported)", self.unsupported)):
            if items:
                lines.append(f"{heading}:")
                lines.extend(f"  {item}" for item in items)
        lines.extend(report_notes(self.warnings, self.suggestions))
        return "\n".join(lines)


def report_notes(warnings: list[str], suggestions: list[str]) -> list[str]:
    """The warnings and the untagged questions (skills suggested in the background) at the end of every
    import's summary."""
    lines = []
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {w}" for w in warnings)
    if suggestions:
        lines.append(SUGGESTIONS_HEADING)
        lines.extend(f"  - {s}" for s in suggestions)
    return lines


def bank_import_options_check(*, key_prefix: str | None, difficulty: object, keys_from_prefix: bool = True
                              ) -> None:
    """Refuse a key prefix (when keys are made from it) or a difficulty that no question could have
    (``difficulty`` comes from a command line or a form, so anything but an int from 1 to 5 or None)."""
    if keys_from_prefix and (not KEY_RE.match(key_prefix or "") or len(key_prefix or "") > 60):
        raise ImportInvalid([ImportProblem(f"the key prefix {key_prefix!r} must be letters, digits, '-', '_' "
                                           "or '.', at most 60 characters")])
    if difficulty is not None and (isinstance(difficulty, bool) or not isinstance(difficulty, int)
                                   or not 1 <= difficulty <= 5):
        raise ImportInvalid([ImportProblem(f"difficulty must be from 1 to 5 (found {difficulty!r})")])

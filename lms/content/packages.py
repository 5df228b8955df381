"""Course packages: import a folder or a .zip into the database, and export a course back out.

The format is described in ``docs/course-format.md``. Import checks the whole package before it
writes anything and then writes it in one transaction, so a package is either imported completely
or not at all.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from lms.content.models import Choice, Course, Module, ModuleImage, ModuleQuestion, Question, Skill
from lms.content.skills import cycle_message, find_cycle, prerequisite_edges
from lms.text import format_path, unstorable

FORMAT = "pathwise-course/1"
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_NESTING = 20  # a package nests five levels (modules[0].images[1].file); more is a mistake or an attack
MAX_ZIP_MEMBERS = 5000

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[A-Za-z0-9._-]+$")
IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
INLINE_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?(images/[^)\s>]+)")

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
}
QUESTION_TYPES = [code for code, _label in Question.TYPES]
KINDS = ("courses", "skills", "questions", "modules", "images")

COURSE_FIELDS = {"format", "slug", "title", "summary", "description", "published", "target_success",
                 "mastery_threshold", "control_share", "skills", "modules"}
SKILL_FIELDS = {"slug", "name", "description", "prerequisites"}
MODULE_FIELDS = {"slug", "title", "file", "estimated_minutes", "video_url", "images", "skills", "quiz"}
IMAGE_FIELDS = {"file", "alt", "caption"}
CHOICE_FIELDS = {"text", "correct", "feedback"}
QUESTION_COMMON_FIELDS = {"key", "type", "stem", "difficulty", "skills", "explanation"}
QUESTION_TYPE_FIELDS = {
    Question.SINGLE: {"choices"},
    Question.MULTIPLE: {"choices"},
    Question.TRUE_FALSE: {"answer"},
    Question.NUMERIC: {"answer", "tolerance"},
    Question.SHORT_TEXT: {"accepted", "case_sensitive"},
}


# --- Results and errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageError:
    """One problem in a package, reported as ``FILE: FIELD: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"


class PackageInvalid(Exception):
    """The package has problems; nothing was written. ``errors`` lists every one of them."""

    def __init__(self, errors: Iterable[PackageError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class ImportReport:
    course: str
    created: dict[str, int] = field(default_factory=_zero_counts)
    updated: dict[str, int] = field(default_factory=_zero_counts)
    unchanged: dict[str, int] = field(default_factory=_zero_counts)
    removed: dict[str, int] = field(default_factory=_zero_counts)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.removed.values())

    def count(self, kind: str, outcome: str) -> None:
        getattr(self, outcome)[kind] += 1

    def summary(self) -> str:
        if self.created["courses"]:
            head = f"Course '{self.course}' created."
        elif self.changed:
            head = f"Course '{self.course}' updated."
        else:
            head = f"Course '{self.course}' is up to date: nothing changed."
        lines = [head]
        for kind in KINDS:
            parts = [f"{self.created[kind]} created", f"{self.updated[kind]} updated",
                     f"{self.unchanged[kind]} unchanged"]
            if self.removed[kind]:
                parts.append(f"{self.removed[kind]} removed")
            lines.append(f"  {kind}: " + ", ".join(parts))
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {w}" for w in self.warnings)
        if self.suggestions:
            lines.append("Suggested skills for untagged questions, waiting for approval (admin: Skill suggestions):")
            lines.extend(f"  - {s}" for s in self.suggestions)
        return "\n".join(lines)


# --- Reading a folder or a zip --------------------------------------------------------------------


class _Source:
    """Files of a package by their package path (``modules/a.md``), wherever they are stored."""

    label: str

    def size(self, rel: str) -> int | None:
        raise NotImplementedError

    def read(self, rel: str) -> bytes:
        raise NotImplementedError


class _FolderSource(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = root.name

    def _path(self, rel: str) -> Path | None:
        path = (self.root / rel).resolve()
        # A symbolic link could point outside the package.
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def size(self, rel: str) -> int | None:
        path = self._path(rel)
        return path.stat().st_size if path else None

    def read(self, rel: str) -> bytes:
        path = self._path(rel)
        if path is None:
            raise OSError(f"cannot read {rel}")
        return path.read_bytes()


class _ZipSource(_Source):
    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], label: str) -> None:
        self.archive = archive
        self.members = members
        self.label = label

    def size(self, rel: str) -> int | None:
        info = self.members.get(rel)
        return info.file_size if info else None

    def read(self, rel: str) -> bytes:
        info = self.members[rel]
        try:
            with self.archive.open(info) as fh:
                return fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise OSError(f"cannot read {rel} from the archive ({exc})") from None


def _safe_relpath(value: str) -> str | None:
    """The normalised package path, or None if it could escape the package."""
    if not value or "\\" in value or "\x00" in value or value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        return None
    parts = PurePosixPath(value).parts
    if any(part in ("..", "") for part in parts):
        return None
    return "/".join(p for p in parts if p != ".") or None


def _open_zip(path: Path, errors: list[PackageError]) -> _ZipSource | None:
    label = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        errors.append(PackageError(label, "", f"not a readable zip file ({exc})"))
        return None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        errors.append(PackageError(label, "", f"too many files ({len(infos)}; at most {MAX_ZIP_MEMBERS})"))
        return None
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        safe = _safe_relpath(name.rstrip("/") if info.is_dir() else name)
        if safe is None:
            errors.append(PackageError(label, name, "unsafe path in the archive (absolute or leaving the package)"))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            errors.append(PackageError(label, name, "symbolic links are not allowed in a package"))
            continue
        if info.is_dir() or safe.startswith("__MACOSX/") or safe.rsplit("/", 1)[-1] == ".DS_Store":
            continue
        if safe in members:
            errors.append(PackageError(label, name, "the archive holds this file twice"))
            continue
        members[safe] = info
    if errors:
        return None
    # A zip of the folder holds `data-literacy/course.yaml`; accept a bare `course.yaml` as well.
    if not any(name in members for name in ("course.yaml", "course.json")):
        tops = {name.split("/", 1)[0] for name in members}
        if len(tops) == 1 and all("/" in name for name in members):
            prefix = tops.pop() + "/"
            members = {name[len(prefix):]: info for name, info in members.items()}
    return _ZipSource(archive, members, label)


# --- Loading YAML ---------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which plain YAML silently lets the last one win."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        except TypeError:
            pass
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_data(name: str, raw: bytes, errors: list[PackageError]) -> tuple[bool, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(PackageError(name, "", f"not valid UTF-8 text (byte {exc.start})"))
        return False, None
    too_deep = PackageError(name, "", f"nested more than {MAX_NESTING} levels deep")
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(PackageError(name, f"line {exc.lineno}", f"invalid JSON: {exc.msg} (column {exc.colno})"))
            return False, None
        except RecursionError:  # the parser recurses once per level
            errors.append(too_deep)
            return False, None
    else:
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            where = f"line {mark.line + 1}" if mark else ""
            column = f" (column {mark.column + 1})" if mark else ""
            errors.append(PackageError(name, where, f"invalid YAML: {problem}{column}"))
            return False, None
        except RecursionError:
            errors.append(too_deep)
            return False, None
    # JSON's \u0000 and \ud800 and YAML's "\0" make text no database stores: refuse it here, by place.
    found = unstorable(data, max_depth=MAX_NESTING)
    if found is not None:
        path, problem = found
        errors.append(PackageError(name, format_path(path), problem))
        return False, None
    return True, data


# --- Images ---------------------------------------------------------------------------------------


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    try:
        text = data[:4096].decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        text = data[:4095].decode("utf-8-sig", errors="ignore")
    prolog = r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>/]"
    if re.match(prolog, text, re.DOTALL | re.IGNORECASE):
        return "image/svg+xml"
    return None


_SVG_ACTIVE_RE = re.compile(r"<script|<foreignObject|<[^>]*\son[a-z]+\s*=|javascript:", re.IGNORECASE)


# --- Checking a package ---------------------------------------------------------------------------


@dataclass
class _SkillSpec:
    slug: str
    name: str
    description: str
    prerequisites: list[str]


@dataclass
class _ImageSpec:
    filename: str
    content_type: str
    data: bytes
    alt: str
    caption: str


@dataclass
class _ModuleSpec:
    slug: str
    title: str
    body: str
    video_url: str
    estimated_minutes: int
    images: list[_ImageSpec]
    skills: list[str]
    quiz: list[str]


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


@dataclass
class _CourseSpec:
    slug: str
    title: str
    summary: str
    description: str
    published: bool
    target_success: float
    mastery_threshold: float
    control_share: float
    skills: list[_SkillSpec]
    modules: list[_ModuleSpec]


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


_MISSING = object()


class _Checker:
    """Reads one package, collecting every problem instead of stopping at the first."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.errors: list[PackageError] = []
        self.warnings: list[str] = []
        self._images: dict[str, tuple[str, bytes] | None] = {}

    def add(self, file: str, field_: str, message: str) -> None:
        self.errors.append(PackageError(file, field_, message))

    # Field readers: each records its own problem and returns a usable default.

    def mapping(self, file: str, where: str, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(file, where or "-", f"must be a mapping of fields (found {_kind(value)})")
            return None
        return value

    def known(self, file: str, where: str, data: dict[str, Any], allowed: set[str], what: str = "") -> None:
        for key in data:
            if key not in allowed:
                suffix = f" for {what}" if what else ""
                self.add(file, _join(where, str(key)), f"unknown field{suffix} (allowed: {', '.join(sorted(allowed))})")

    def text(self, file: str, where: str, data: dict[str, Any], key: str, *, required: bool = False,
             max_length: int | None = None, one_line: bool = False) -> str:
        name = _join(where, key)
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.add(file, name, "required")
            return ""
        if isinstance(value, bool):
            self.add(file, name, "must be text, not a boolean (quote it: YAML reads yes/no/true/false as booleans)")
            return ""
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            self.add(file, name, f"must be text (found {_kind(value)})")
            return ""
        if one_line:
            value = value.strip()
            if "\n" in value:
                self.add(file, name, "must be one line")
        if required and not value.strip():
            self.add(file, name, "must not be empty")
        if max_length is not None and len(value) > max_length:
            self.add(file, name, f"must be at most {max_length} characters (found {len(value)})")
        return value

    def identifier(self, file: str, where: str, data: dict[str, Any], key: str, *, pattern: re.Pattern[str],
                   max_length: int, rule: str) -> str:
        value = data.get(key, _MISSING)
        name = _join(where, key)
        if value is _MISSING or value is None or value == "":
            self.add(file, name, "required")
            return ""
        if not isinstance(value, str) or not pattern.match(value) or len(value) > max_length:
            self.add(file, name, f"{value!r} is not valid: use {rule}, at most {max_length} characters")
            return ""
        return value

    def slug(self, file: str, where: str, data: dict[str, Any], key: str = "slug") -> str:
        return self.identifier(file, where, data, key, pattern=SLUG_RE, max_length=80,
                               rule="lowercase letters, digits and single hyphens")

    def boolean(self, file: str, where: str, data: dict[str, Any], key: str, *, default: bool | None) -> bool | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is None:
                self.add(file, _join(where, key), "required: true or false")
            return default
        if not isinstance(value, bool):
            self.add(file, _join(where, key), f"must be true or false (found {value!r})")
            return default
        return value

    def number(self, file: str, where: str, data: dict[str, Any], key: str, *, default: float | None,
               low: float | None = None, high: float | None = None) -> float | None:
        value = data.get(key, _MISSING)
        name = _join(where, key)
        if value is _MISSING or value is None:
            if default is None:
                self.add(file, name, "required: a number")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(file, name, f"must be a number (found {value!r})")
            return default
        value = float(value)
        if not math.isfinite(value):
            self.add(file, name, f"must be a finite number (found {value})")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            self.add(file, name, f"must be {bounds} (found {value:g})")
            return default
        return value

    def integer(self, file: str, where: str, data: dict[str, Any], key: str, *, default: int | None,
                low: int, high: int) -> int | None:
        value = data.get(key, _MISSING)
        name = _join(where, key)
        if value is _MISSING or value is None:
            if default is None:
                self.add(file, name, f"required: a whole number from {low} to {high}")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(file, name, f"must be a whole number (found {value!r})")
            return default
        if not low <= value <= high:
            self.add(file, name, f"must be from {low} to {high} (found {value})")
            return default
        return value

    def listing(self, file: str, where: str, data: dict[str, Any], key: str, *, required: bool = False) -> list[Any]:
        value = data.get(key, _MISSING)
        name = _join(where, key)
        if value is _MISSING or value is None:
            if required:
                self.add(file, name, "required: a list")
            return []
        if not isinstance(value, list):
            self.add(file, name, f"must be a list (found {_kind(value)})")
            return []
        return value

    def slug_list(self, file: str, where: str, data: dict[str, Any], key: str, *, required: bool = False,
                  pattern: re.Pattern[str] = SLUG_RE, what: str = "slug") -> list[str]:
        items = self.listing(file, where, data, key, required=required)
        name = _join(where, key)
        if required and isinstance(data.get(key), list) and not items:
            self.add(file, name, f"needs at least one {what}")
        result: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not pattern.match(item):
                self.add(file, _join(name, i), f"{item!r} is not a valid {what}")
            elif item in result:
                self.add(file, _join(name, i), f"{what} {item!r} is listed twice")
            else:
                result.append(item)
        return result

    # Files

    def read_text(self, file: str, where: str, rel_value: Any) -> str | None:
        rel = _safe_relpath(rel_value) if isinstance(rel_value, str) else None
        if rel is None:
            self.add(file, where, f"{rel_value!r} is not a path inside the package")
            return None
        size = self.source.size(rel)
        if size is None:
            self.add(file, where, f"file not found: {rel}")
            return None
        if size > MAX_TEXT_BYTES:
            self.add(file, where, f"{rel} is too large ({size} bytes; at most {MAX_TEXT_BYTES})")
            return None
        try:
            text = self.source.read(rel).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.add(file, where, f"{rel} is not valid UTF-8 text (byte {exc.start})")
        except OSError as exc:
            self.add(file, where, str(exc))
        else:
            if "\x00" not in text:
                return text
            line = text.count("\n", 0, text.index("\x00")) + 1
            self.add(file, where, f"{rel}: line {line} contains a NUL character, which no text may hold")
        return None

    def read_image(self, file: str, where: str, rel_value: Any) -> tuple[str, str, bytes] | None:
        """Return (filename, content type, bytes) of an image under images/."""
        rel = _safe_relpath(rel_value) if isinstance(rel_value, str) else None
        name = rel[len("images/"):] if rel and rel.startswith("images/") else ""
        if rel is None or not IMAGE_NAME_RE.match(name) or len(name) > 200:
            self.add(file, where, f"{rel_value!r} is not valid: images are files directly under images/, "
                                  "named with letters, digits, '.', '_' and '-'")
            return None
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in IMAGE_TYPES:
            self.add(file, where, f"{rel}: unsupported image type; use one of "
                                  f"{', '.join(sorted(set(IMAGE_TYPES)))}")
            return None
        if rel in self._images:
            cached = self._images[rel]
            return (name, *cached) if cached else None
        self._images[rel] = None
        size = self.source.size(rel)
        if size is None:
            self.add(file, where, f"file not found: {rel}")
            return None
        limit = settings.MAX_IMAGE_BYTES
        if size > limit:
            self.add(file, where, f"{rel} is too large ({size} bytes; images may be at most {limit} bytes)")
            return None
        try:
            data = self.source.read(rel)
        except OSError as exc:
            self.add(file, where, str(exc))
            return None
        if len(data) > limit:
            self.add(file, where, f"{rel} is too large (images may be at most {limit} bytes)")
            return None
        sniffed = _sniff_image(data)
        expected = IMAGE_TYPES[extension]
        if sniffed != expected:
            found = f"it holds {sniffed}" if sniffed else "its content is not a recognised image"
            self.add(file, where, f"{rel}: the name says {expected} but {found}")
            return None
        if sniffed == "image/svg+xml" and _SVG_ACTIVE_RE.search(data.decode("utf-8", errors="replace")):
            self.add(file, where, f"{rel}: SVG images may not contain scripts, event handlers or embedded HTML")
            return None
        self._images[rel] = (sniffed, data)
        return name, sniffed, data


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _find_data_file(source: _Source, stem: str, checker: _Checker, *, required: bool) -> tuple[str, Any]:
    """Load ``<stem>.yaml`` or ``<stem>.json``. Returns (file name, data or _MISSING)."""
    present = [name for name in (f"{stem}.yaml", f"{stem}.json") if source.size(name) is not None]
    if not present:
        if required:
            checker.add(f"{stem}.yaml", "", "missing: a package needs a course.yaml (or course.json) at its top")
        return f"{stem}.yaml", _MISSING
    name = present[0]
    if len(present) > 1:
        checker.add(name, "", f"both {stem}.yaml and {stem}.json are present; keep one")
        return name, _MISSING
    size = source.size(name) or 0
    if size > MAX_TEXT_BYTES:
        checker.add(name, "", f"too large ({size} bytes; at most {MAX_TEXT_BYTES})")
        return name, _MISSING
    try:
        raw = source.read(name)
    except OSError as exc:
        checker.add(name, "", str(exc))
        return name, _MISSING
    ok, data = _load_data(name, raw, checker.errors)
    return name, data if ok else _MISSING


def _check_course(checker: _Checker, file: str, data: Any) -> _CourseSpec | None:
    course = checker.mapping(file, "", data)
    if course is None:
        return None
    checker.known(file, "", course, COURSE_FIELDS)
    fmt = course.get("format")
    if fmt != FORMAT:
        checker.add(file, "format", f"must be {FORMAT!r} (found {fmt!r})" if fmt is not None
                    else f"required: {FORMAT!r}")
    spec = _CourseSpec(
        slug=checker.slug(file, "", course),
        title=checker.text(file, "", course, "title", required=True, max_length=200, one_line=True),
        summary=checker.text(file, "", course, "summary", max_length=300, one_line=True),
        description=checker.text(file, "", course, "description"),
        published=bool(checker.boolean(file, "", course, "published", default=True)),
        target_success=checker.number(file, "", course, "target_success", default=0.7, low=0.5, high=0.95) or 0.7,
        mastery_threshold=checker.number(file, "", course, "mastery_threshold", default=0.85,
                                         low=0.5, high=0.99) or 0.85,
        control_share=checker.number(file, "", course, "control_share", default=0.0, low=0.0, high=0.5) or 0.0,
        skills=[],
        modules=[],
    )
    seen: set[str] = set()
    for i, item in enumerate(checker.listing(file, "", course, "skills")):
        where = _join("skills", i)
        skill = checker.mapping(file, where, item)
        if skill is None:
            continue
        checker.known(file, where, skill, SKILL_FIELDS)
        slug = checker.slug(file, where, skill)
        if slug and slug in seen:
            checker.add(file, _join(where, "slug"), f"skill {slug!r} is listed twice")
        seen.add(slug)
        spec.skills.append(_SkillSpec(
            slug=slug,
            name=checker.text(file, where, skill, "name", required=True, max_length=120, one_line=True),
            description=checker.text(file, where, skill, "description"),
            prerequisites=checker.slug_list(file, where, skill, "prerequisites", what="skill slug"),
        ))
    seen = set()
    for i, item in enumerate(checker.listing(file, "", course, "modules")):
        where = _join("modules", i)
        module = checker.mapping(file, where, item)
        if module is None:
            continue
        checker.known(file, where, module, MODULE_FIELDS)
        slug = checker.slug(file, where, module)
        if slug and slug in seen:
            checker.add(file, _join(where, "slug"), f"module {slug!r} is listed twice")
        seen.add(slug)
        body = None
        if module.get("file") in (None, ""):
            checker.add(file, _join(where, "file"), "required: the module's Markdown file")
        else:
            body = checker.read_text(file, _join(where, "file"), module["file"])
        video_url = checker.text(file, where, module, "video_url", max_length=200, one_line=True)
        if video_url:
            try:
                URLValidator(schemes=["http", "https"])(video_url)
            except ValidationError:
                checker.add(file, _join(where, "video_url"), f"{video_url!r} is not an http(s) address")
        images: list[_ImageSpec] = []
        listed: set[str] = set()
        for j, image_item in enumerate(checker.listing(file, where, module, "images")):
            image_where = _join(_join(where, "images"), j)
            image = checker.mapping(file, image_where, image_item)
            if image is None:
                continue
            checker.known(file, image_where, image, IMAGE_FIELDS)
            alt = checker.text(file, image_where, image, "alt", max_length=300, one_line=True)
            if not alt:
                checker.add(file, _join(image_where, "alt"),
                            "required: describe the image for people who cannot see it")
            caption = checker.text(file, image_where, image, "caption", max_length=300, one_line=True)
            if image.get("file") in (None, ""):
                checker.add(file, _join(image_where, "file"), "required: a path such as images/chart.svg")
                continue
            listed.add(str(image["file"]))
            found = checker.read_image(file, _join(image_where, "file"), image["file"])
            if found is None:
                continue
            filename, content_type, data = found
            if any(other.filename == filename for other in images):
                checker.add(file, _join(image_where, "file"), f"images/{filename} is listed twice in this module")
                continue
            images.append(_ImageSpec(filename, content_type, data, alt, caption))
        if body is not None:
            for ref in sorted(set(INLINE_IMAGE_RE.findall(body)) - listed):
                checker.add(str(module["file"]), "body",
                            f"shows {ref}, which is not listed under the images of module {slug!r}")
        spec.modules.append(_ModuleSpec(
            slug=slug,
            title=checker.text(file, where, module, "title", required=True, max_length=200, one_line=True),
            body=body or "",
            video_url=video_url,
            estimated_minutes=checker.integer(file, where, module, "estimated_minutes", default=5,
                                              low=1, high=32767) or 5,
            images=images,
            skills=checker.slug_list(file, where, module, "skills", what="skill slug"),
            quiz=checker.slug_list(file, where, module, "quiz", pattern=KEY_RE, what="question key"),
        ))
    return spec


def _check_questions(checker: _Checker, file: str, data: Any) -> list[QuestionSpec]:
    if data is None:
        return []
    if not isinstance(data, list):
        checker.add(file, "-", f"must be a list of questions (found {_kind(data)})")
        return []
    questions: list[QuestionSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        where = _join("", i)
        question = checker.mapping(file, where, item)
        if question is None:
            continue
        key = checker.identifier(file, where, question, "key", pattern=KEY_RE, max_length=100,
                                 rule="letters, digits, '-', '_' and '.'")
        if key and key in seen:
            checker.add(file, _join(where, "key"), f"question key {key!r} is used twice")
        seen.add(key)
        qtype = question.get("type")
        if qtype not in QUESTION_TYPES:
            checker.add(file, _join(where, "type"), f"must be one of {', '.join(QUESTION_TYPES)} (found {qtype!r})")
            checker.known(file, where, question, QUESTION_COMMON_FIELDS | set().union(*QUESTION_TYPE_FIELDS.values()))
        else:
            checker.known(file, where, question, QUESTION_COMMON_FIELDS | QUESTION_TYPE_FIELDS[qtype],
                          what=f"a {qtype} question")
        spec = QuestionSpec(
            key=key,
            type=qtype if qtype in QUESTION_TYPES else "",
            stem=checker.text(file, where, question, "stem", required=True),
            explanation=checker.text(file, where, question, "explanation", required=True),
            difficulty=checker.integer(file, where, question, "difficulty", default=None, low=1, high=5) or 3,
            skills=checker.slug_list(file, where, question, "skills", what="skill slug"),
        )
        if qtype in Question.CHOICE_TYPES:
            choices = checker.listing(file, where, question, "choices", required=True)
            for j, choice_item in enumerate(choices):
                choice_where = _join(_join(where, "choices"), j)
                choice = checker.mapping(file, choice_where, choice_item)
                if choice is None:
                    continue
                checker.known(file, choice_where, choice, CHOICE_FIELDS)
                text = checker.text(file, choice_where, choice, "text", required=True, max_length=500)
                if text and any(c.text == text for c in spec.choices):
                    checker.add(file, _join(choice_where, "text"), f"choice {text!r} is listed twice")
                spec.choices.append(ChoiceSpec(
                    text=text,
                    is_correct=bool(checker.boolean(file, choice_where, choice, "correct", default=False)),
                    feedback=checker.text(file, choice_where, choice, "feedback", max_length=500),
                ))
            correct = sum(c.is_correct for c in spec.choices)
            if isinstance(question.get("choices"), list):
                if len(choices) < 2:
                    checker.add(file, _join(where, "choices"), f"a {qtype} question needs at least 2 choices "
                                                               f"(found {len(choices)})")
                if qtype == Question.SINGLE and correct != 1:
                    checker.add(file, _join(where, "choices"),
                                f"a single_choice question needs exactly one correct choice (found {correct})")
                if qtype == Question.MULTIPLE and correct < 1:
                    checker.add(file, _join(where, "choices"),
                                "a multiple_choice question needs at least one correct choice (found 0)")
        elif qtype == Question.TRUE_FALSE:
            spec.true_false_answer = checker.boolean(file, where, question, "answer", default=None)
        elif qtype == Question.NUMERIC:
            spec.numeric_answer = checker.number(file, where, question, "answer", default=None)
            spec.numeric_tolerance = checker.number(file, where, question, "tolerance", default=0.0, low=0.0) or 0.0
        elif qtype == Question.SHORT_TEXT:
            accepted = checker.listing(file, where, question, "accepted", required=True)
            if isinstance(question.get("accepted"), list) and not accepted:
                checker.add(file, _join(where, "accepted"), "needs at least one accepted answer")
            for j, answer in enumerate(accepted):
                if isinstance(answer, bool) or not isinstance(answer, str | int | float) or not str(answer).strip():
                    checker.add(file, _join(_join(where, "accepted"), j), f"must be non-empty text (found {answer!r})")
                else:
                    spec.accepted_answers.append(str(answer))
            spec.case_sensitive = bool(checker.boolean(file, where, question, "case_sensitive", default=False))
        questions.append(spec)
    return questions


def _check_references(checker: _Checker, course_file: str, questions_file: str, course: _CourseSpec,
                      questions: list[QuestionSpec]) -> None:
    """Cross-file and database checks: skills and questions that must exist, cycles, removals."""
    package_skills = {s.slug for s in course.skills}
    db_skills = set(Skill.objects.values_list("slug", flat=True))
    known_skills = package_skills | db_skills
    question_keys = {q.key for q in questions}

    def check_skill(file: str, where: str, slug: str) -> None:
        if slug and slug not in known_skills:
            checker.add(file, where, f"unknown skill {slug!r} (not in this package's skills nor in the database)")

    for i, skill in enumerate(course.skills):
        for j, prereq in enumerate(skill.prerequisites):
            check_skill(course_file, f"skills[{i}].prerequisites[{j}]", prereq)
    for i, module in enumerate(course.modules):
        for j, slug in enumerate(module.skills):
            check_skill(course_file, f"modules[{i}].skills[{j}]", slug)
        for j, key in enumerate(module.quiz):
            if key not in question_keys:
                checker.add(course_file, f"modules[{i}].quiz[{j}]", f"unknown question key {key!r}")
    for i, question in enumerate(questions):
        for j, slug in enumerate(question.skills):
            check_skill(questions_file, f"[{i}].skills[{j}]", slug)

    edges = prerequisite_edges()
    for skill in course.skills:
        if skill.slug:
            edges[skill.slug] = set(skill.prerequisites)
    cycle = find_cycle(edges)
    if cycle:
        checker.add(course_file, "skills", cycle_message(cycle))

    if course.slug:
        kept = {m.slug for m in course.modules}
        doomed = (Module.objects.filter(course__slug=course.slug).exclude(slug__in=kept)
                  .filter(responses__isnull=False).distinct().order_by("order"))
        for module in doomed:
            checker.add(course_file, "modules",
                        f"module {module.slug!r} is not in the package, but learners have answered its quiz, "
                        "so it cannot be removed; keep it in the package")

    used = {key for module in course.modules for key in module.quiz}
    for question in questions:
        if question.key and question.key not in used:
            checker.warnings.append(f"question {question.key!r} is not in any quiz of this course; "
                                    "it is kept in the question bank")


# --- Writing --------------------------------------------------------------------------------------


def _set_fields(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write_skills(course: _CourseSpec, report: ImportReport) -> None:
    skills: dict[str, Skill] = {}
    outcome: dict[str, str] = {}
    for spec in course.skills:
        values = {"name": spec.name, "description": spec.description}
        skill = Skill.objects.filter(slug=spec.slug).first()
        if skill is None:
            skill = Skill.objects.create(slug=spec.slug, **values)
            outcome[spec.slug] = "created"
        else:
            outcome[spec.slug] = "updated" if _set_fields(skill, values) else "unchanged"
            if outcome[spec.slug] == "updated":
                skill.save()
        skills[spec.slug] = skill
    for spec in course.skills:
        skill = skills[spec.slug]
        current = set(skill.prerequisites.values_list("slug", flat=True))
        if current != set(spec.prerequisites):
            skill.prerequisites.set(Skill.objects.filter(slug__in=spec.prerequisites))
            if outcome[spec.slug] == "unchanged":
                outcome[spec.slug] = "updated"
        if outcome[spec.slug] == "updated":
            others = sorted(skill.courses.exclude(slug=course.slug).values_list("slug", flat=True))
            if others:
                report.warnings.append(f"skill {spec.slug!r} is shared with course(s) {', '.join(others)}; "
                                       "the change shows there too")
        report.count("skills", outcome[spec.slug])


def _write_questions(questions: list[QuestionSpec], course_slug: str, report: ImportReport) -> dict[str, Question]:
    by_key: dict[str, Question] = {}
    for spec in questions:
        question, outcome, warnings = question_upsert(spec=spec, course_slug=course_slug)
        report.count("questions", outcome)
        report.warnings.extend(warnings)
        by_key[spec.key] = question
    return by_key


def question_upsert(*, spec: QuestionSpec, course_slug: str | None = None) -> tuple[Question, str, list[str]]:
    """Create or update one bank question from ``spec``; its skills must exist.

    Returns the question, ``"created"``, ``"updated"`` or ``"unchanged"``, and warnings: a change of
    type is announced when other courses (than ``course_slug``) use the question.
    """
    values = {
        "type": spec.type,
        "stem": spec.stem,
        "explanation": spec.explanation,
        "difficulty": spec.difficulty,
        "true_false_answer": spec.true_false_answer,
        "numeric_answer": spec.numeric_answer,
        "numeric_tolerance": spec.numeric_tolerance,
        "accepted_answers": spec.accepted_answers,
        "case_sensitive": spec.case_sensitive,
    }
    warnings: list[str] = []
    question = Question.objects.filter(key=spec.key).first()
    if question is None:
        question = Question.objects.create(key=spec.key, **values)
        outcome = "created"
    else:
        old_type = question.type
        changed = _set_fields(question, values)
        if changed:
            question.save()
        if old_type != spec.type:
            others = sorted(set(Course.objects.filter(modules__questions=question).exclude(slug=course_slug or "")
                                .values_list("slug", flat=True)))
            if others:
                warnings.append(
                    f"question {spec.key!r} changed type from {old_type} to {spec.type}; it is also used by "
                    f"course(s) {', '.join(others)}, where the new type shows too")
        outcome = "updated" if changed else "unchanged"
    # No skills in the file keeps the bank's: an untagged question waits for suggested skills.
    if spec.skills and set(question.skills.values_list("slug", flat=True)) != set(spec.skills):
        question.skills.set(Skill.objects.filter(slug__in=spec.skills))
        outcome = "updated" if outcome == "unchanged" else outcome
    if _write_choices(question, spec.choices) and outcome == "unchanged":
        outcome = "updated"
    return question, outcome, warnings


def _write_choices(question: Question, specs: list[ChoiceSpec]) -> bool:
    """Update choices in place, by position, so their ids (kept in learners' answers) survive edits."""
    existing = list(question.choices.order_by("order", "id"))
    changed = False
    for order, spec in enumerate(specs):
        values = {"text": spec.text, "is_correct": spec.is_correct, "feedback": spec.feedback, "order": order}
        if order < len(existing):
            if _set_fields(existing[order], values):
                existing[order].save()
                changed = True
        else:
            Choice.objects.create(question=question, **values)
            changed = True
    for extra in existing[len(specs):]:
        extra.delete()
        changed = True
    return changed


def _write_modules(course_obj: Course, course: _CourseSpec, questions: dict[str, Question],
                   report: ImportReport) -> None:
    existing = {m.slug: m for m in course_obj.modules.all()}
    for order, spec in enumerate(course.modules):
        values = {"title": spec.title, "body": spec.body, "video_url": spec.video_url,
                  "estimated_minutes": spec.estimated_minutes, "order": order}
        module = existing.pop(spec.slug, None)
        if module is None:
            module = Module.objects.create(course=course_obj, slug=spec.slug, **values)
            outcome = "created"
        else:
            outcome = "updated" if _set_fields(module, values) else "unchanged"
            if outcome == "updated":
                module.save()
        if set(module.skills.values_list("slug", flat=True)) != set(spec.skills):
            module.skills.set(Skill.objects.filter(slug__in=spec.skills))
            outcome = "updated" if outcome == "unchanged" else outcome
        links_changed = _write_quiz(module, [questions[key] for key in spec.quiz])
        images_changed = _write_images(module, spec.images, report)
        if (links_changed or images_changed) and outcome == "unchanged":
            outcome = "updated"
        report.count("modules", outcome)
    for module in existing.values():
        report.removed["images"] += module.images.count()
        module.delete()
        report.removed["modules"] += 1


def _write_quiz(module: Module, questions: list[Question]) -> bool:
    links = {link.question_id: link for link in module.module_questions.all()}
    changed = False
    for order, question in enumerate(questions):
        link = links.pop(question.pk, None)
        if link is None:
            ModuleQuestion.objects.create(module=module, question=question, order=order)
            changed = True
        elif link.order != order:
            link.order = order
            link.save(update_fields=["order"])
            changed = True
    for link in links.values():
        link.delete()
        changed = True
    return changed


def _write_images(module: Module, specs: list[_ImageSpec], report: ImportReport) -> bool:
    existing = {image.filename: image for image in module.images.all()}
    changed = False
    for order, spec in enumerate(specs):
        values = {"content_type": spec.content_type, "data": spec.data, "alt": spec.alt,
                  "caption": spec.caption, "order": order}
        image = existing.pop(spec.filename, None)
        if image is None:
            ModuleImage.objects.create(module=module, filename=spec.filename, **values)
            report.count("images", "created")
            changed = True
            continue
        image.data = bytes(image.data)  # memoryview on some databases
        if _set_fields(image, values):
            image.save()
            report.count("images", "updated")
            changed = True
        else:
            report.count("images", "unchanged")
    for image in existing.values():
        image.delete()
        report.count("images", "removed")
        changed = True
    return changed


def _write_course(course: _CourseSpec, questions: list[QuestionSpec], warnings: list[str]) -> ImportReport:
    report = ImportReport(course=course.slug, warnings=list(warnings))
    _write_skills(course, report)
    by_key = _write_questions(questions, course.slug, report)
    values = {"title": course.title, "summary": course.summary, "description": course.description,
              "published": course.published, "target_success": course.target_success,
              "mastery_threshold": course.mastery_threshold, "control_share": course.control_share}
    course_obj = Course.objects.filter(slug=course.slug).first()
    if course_obj is None:
        course_obj = Course.objects.create(slug=course.slug, **values)
        outcome = "created"
    else:
        outcome = "updated" if _set_fields(course_obj, values) else "unchanged"
        if outcome == "updated":
            course_obj.save()
    wanted = {s.slug for s in course.skills}
    if set(course_obj.skills.values_list("slug", flat=True)) != wanted:
        course_obj.skills.set(Skill.objects.filter(slug__in=wanted))
        outcome = "updated" if outcome == "unchanged" else outcome
    report.count("courses", outcome)
    _write_modules(course_obj, course, by_key, report)
    return report


# --- Import ---------------------------------------------------------------------------------------


@transaction.atomic
def course_package_import(*, path: Path) -> ImportReport:
    """Import a course package (a folder or a .zip). Checks everything first and raises
    ``PackageInvalid`` listing every problem; writes nothing unless the whole package is valid."""
    path = Path(path)
    errors: list[PackageError] = []
    if path.is_dir():
        source: _Source | None = _FolderSource(path)
    elif path.is_file():
        source = _open_zip(path, errors)
    else:
        raise PackageInvalid([PackageError(str(path), "", "no such folder or .zip file")])
    if source is None:
        raise PackageInvalid(errors)
    try:
        checker = _Checker(source)
        checker.errors.extend(errors)
        course_file, course_data = _find_data_file(source, "course", checker, required=True)
        questions_file, questions_data = _find_data_file(source, "questions", checker, required=False)
        course = _check_course(checker, course_file, course_data) if course_data is not _MISSING else None
        questions = (_check_questions(checker, questions_file, questions_data)
                     if questions_data is not _MISSING else [])
        if course is not None:
            _check_references(checker, course_file, questions_file, course, questions)
    finally:
        if isinstance(source, _ZipSource):
            source.archive.close()
    if checker.errors or course is None:
        raise PackageInvalid(checker.errors)
    report = _write_course(course, questions, checker.warnings)
    _suggest_skills(report, [q.key for q in questions if not q.skills])
    return report


def _suggest_skills(report: ImportReport, keys: list[str]) -> None:
    """Untagged questions get suggested skills, recorded for an admin to approve, never applied."""
    if not keys:
        return
    from adaptive.tagging import format_suggestions, skill_suggestions_record, untagged_questions

    untagged = list(untagged_questions(keys))
    report.warnings.extend(f"question {q.key!r} has no skill: it is not used for mastery until one is approved "
                           "(see the suggestions below)" for q in untagged)
    report.suggestions.extend(format_suggestions(skill_suggestions_record(questions=untagged, source="import_course")))


# --- Export ---------------------------------------------------------------------------------------


class _Flow(list):  # type: ignore[type-arg]
    """A list written on one line: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write them.
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Markdown reads best as a literal block; PyYAML falls back to quotes where a block cannot hold it.
    style = "|" if "\n" in value else None
    if any(ch in value for ch in "\x85\u2028\u2029"):
        style = '"'  # YAML reads these as line breaks unless they are escaped
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def _dump(data: Any) -> bytes:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
    return text.encode("utf-8")


def _skill_closure(course: Course) -> list[Skill]:
    """The course's skills and every skill its modules, questions and prerequisites use, so that the
    package stands alone."""
    slugs = set(course.skills.values_list("slug", flat=True))
    slugs |= set(Skill.objects.filter(modules__course=course).values_list("slug", flat=True))
    slugs |= set(Skill.objects.filter(questions__modules__course=course).values_list("slug", flat=True))
    edges = prerequisite_edges()
    todo = list(slugs)
    while todo:
        for prereq in edges.get(todo.pop(), ()):
            if prereq not in slugs:
                slugs.add(prereq)
                todo.append(prereq)
    return list(Skill.objects.filter(slug__in=slugs).prefetch_related("prerequisites").order_by("slug"))


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "stem": question.stem,
        "difficulty": question.difficulty,
        "skills": _Flow(sorted(s.slug for s in question.skills.all())),
        "explanation": question.explanation,
    }
    if question.type in Question.CHOICE_TYPES:
        choices = []
        for choice in question.choices.order_by("order", "id"):
            item: dict[str, Any] = {"text": choice.text}
            if choice.is_correct:
                item["correct"] = True
            if choice.feedback:
                item["feedback"] = choice.feedback
            choices.append(item)
        data["choices"] = choices
    elif question.type == Question.TRUE_FALSE:
        data["answer"] = question.true_false_answer
    elif question.type == Question.NUMERIC:
        data["answer"] = question.numeric_answer
        data["tolerance"] = question.numeric_tolerance
    elif question.type == Question.SHORT_TEXT:
        data["accepted"] = list(question.accepted_answers)
        data["case_sensitive"] = question.case_sensitive
    return data


def _package_files(course: Course) -> dict[str, bytes]:
    """Every file of the course's package, by package path."""
    files: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    modules = []
    questions: list[Question] = []
    for module in course.modules.order_by("order", "id").prefetch_related("skills", "images"):
        item: dict[str, Any] = {
            "slug": module.slug,
            "title": module.title,
            "file": f"modules/{module.slug}.md",
            "estimated_minutes": module.estimated_minutes,
        }
        if module.video_url:
            item["video_url"] = module.video_url
        module_images = []
        for image in module.images.order_by("order", "id"):
            data = bytes(image.data)
            name = f"images/{image.filename}"
            if images.setdefault(name, data) != data:
                raise ValueError(f"cannot export {course.slug!r}: two modules hold different images named "
                                 f"{image.filename!r}, but a package has one images/ folder; rename one")
            entry = {"file": name, "alt": image.alt}
            if image.caption:
                entry["caption"] = image.caption
            module_images.append(entry)
        if module_images:
            item["images"] = module_images
        item["skills"] = _Flow(sorted(s.slug for s in module.skills.all()))
        quiz = module.quiz_questions()
        item["quiz"] = _Flow(q.key for q in quiz)
        questions.extend(q for q in quiz if q not in questions)
        files[item["file"]] = module.body.encode("utf-8")
        modules.append(item)
    course_data: dict[str, Any] = {
        "format": FORMAT,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "description": course.description,
        "published": course.published,
        "target_success": course.target_success,
        "mastery_threshold": course.mastery_threshold,
        "control_share": course.control_share,
        "skills": [
            {"slug": s.slug, "name": s.name, "description": s.description,
             "prerequisites": _Flow(sorted(p.slug for p in s.prerequisites.all()))}
            for s in _skill_closure(course)
        ],
        "modules": modules,
    }
    files["course.yaml"] = _dump(course_data)
    files["questions.yaml"] = _dump([_question_data(q) for q in questions])
    files.update(images)
    return files


def _write_zip(target: Path, top: str, files: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            # A fixed date and mode make the archive the same bytes every time.
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".export-", delete=False) as tmp:
        tmp.write(buffer.getvalue())
    Path(tmp.name).replace(target)


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder")
        if any(target.iterdir()) and not (target / "course.yaml").is_file():
            raise FileExistsError(f"{target} is not empty and does not hold a course package; choose another folder")
        # Replace an earlier export: files the course no longer has must not linger.
        for sub in ("modules", "images"):
            if (target / sub).is_dir():
                shutil.rmtree(target / sub)
        (target / "course.json").unlink(missing_ok=True)
        (target / "questions.json").unlink(missing_ok=True)
    for name, data in sorted(files.items()):
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)


def course_package_export(*, course: Course, path: Path) -> Path:
    """Write ``course`` as a package: a folder, or a zip when ``path`` ends in ``.zip``.

    Importing the result reproduces the course. The output is deterministic, so an unchanged course
    exports to the same bytes.
    """
    path = Path(path)
    files = _package_files(course)
    if path.suffix.lower() == ".zip":
        _write_zip(path, course.slug, files)
    else:
        _write_folder(path, files)
    return path


"""Import QTI assessment items (IMS / 1EdTech Question and Test Interoperability 2.1, 2.2 and 3.0) into
the question bank.

See ``docs/qti.md`` for what is supported and how each construct maps to a bank question. QTI 3.0
writes ``qti-choice-interaction`` and ``response-identifier`` where 2.x writes ``choiceInteraction`` and
``responseIdentifier``; both read the same after ``_name`` and ``_attr``, so one parser serves both.
XML is parsed by defusedxml: entity declarations and external references are refused, files are size
bounded. A file that is not well-formed, or an item that breaks QTI's own rules, imports nothing; an
item Pathwise cannot hold (an unsupported interaction, an image) is refused by name with its file and
line, never half-imported; every other item is written in one transaction.
"""

from __future__ import annotations

import html
import math
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

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
    safe_relative_path,
    where,
)
from lms.content.models import Question, Skill
from lms.content.services import bank_questions_import

MAX_XML_BYTES = 5 * 1024 * 1024  # one item or manifest
MAX_TOTAL_BYTES = 100 * 1024 * 1024  # everything a zip or folder holds, uncompressed
MAX_FILES = 5000
MAX_DEPTH = 100  # XHTML in an item nests a few levels; thousands is an attack on the converter
MANIFEST = "imsmanifest.xml"
SUPPORTED = {"choiceInteraction", "textEntryInteraction"}
_GAP = "_____"

_BLOCK = {"address", "blockquote", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p",
          "pre", "table", "ul"}
_HTML = _BLOCK | {
    "a", "abbr", "acronym", "b", "big", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "dfn",
    "dt", "em", "figcaption", "i", "ins", "kbd", "li", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "var",
}
_VOID = {"br", "hr", "col"}
_HTML_ATTRS = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope", "colspan", "rowspan"},
               "td": {"colspan", "rowspan"}, "ol": {"start"}}
# Content a bank question cannot show: refused by name rather than shown without it.
_MEDIA = {
    "img": "an image", "object": "an embedded object", "audio": "audio", "video": "video", "picture": "an image",
    "svg": "an SVG drawing", "iframe": "an embedded page", "math": "MathML", "printedVariable":
    "a printed template variable", "templateInline": "template content", "templateBlock": "template content",
    "include": "an XInclude", "ssml": "SSML",
}
_FEEDBACK = {"feedbackInline", "feedbackBlock"}
_TEMPLATES = {"match_correct", "map_response"}


# --- Errors while parsing ------------------------------------------------------------------------


class _Invalid(Exception):
    """The item breaks QTI's rules (or the file is not XML): stops the import."""

    def __init__(self, message: str, line: int = 0) -> None:
        self.line = line
        super().__init__(message)


class _Unsupported(Exception):
    """A valid item that Pathwise cannot hold: refused, the others go on."""


# --- Reading a file, a folder or a zip ------------------------------------------------------------


class _Files:
    """The files of the source by their relative path (``items/q1.xml``), wherever they are stored."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.sizes: dict[str, int] = {}

    def read(self, name: str) -> bytes:
        raise NotImplementedError


class _FolderFiles(_Files):
    def __init__(self, root: Path, errors: list[ImportProblem]) -> None:
        super().__init__(root.name)
        self.root = root.resolve()
        for folder, dirs, files in os.walk(self.root):  # symbolic links to folders are not followed
            dirs.sort()
            for name in sorted(files):
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file():
                    continue
                self.sizes[path.relative_to(self.root).as_posix()] = path.stat().st_size
                if len(self.sizes) > MAX_FILES:
                    errors.append(ImportProblem(f"more than {MAX_FILES} files"))
                    return

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


class _ZipFiles(_Files):
    def __init__(self, path: Path, errors: list[ImportProblem]) -> None:
        super().__init__(path.name)
        self.infos: dict[str, zipfile.ZipInfo] = {}
        try:
            self.archive = zipfile.ZipFile(path)
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            errors.append(ImportProblem(f"not a readable zip file ({exc})"))
            return
        if len(infos) > MAX_FILES:
            errors.append(ImportProblem(f"too many files ({len(infos)}; at most {MAX_FILES})"))
            return
        if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
            errors.append(ImportProblem(f"the files unpack to more than "
                                                      f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB"))
            return
        for info in infos:
            name = safe_relative_path(info.filename.rstrip("/"))
            if name is None:
                errors.append(ImportProblem(f"unsafe path in the archive: {info.filename!r}"))
            elif stat.S_ISLNK(info.external_attr >> 16):
                errors.append(ImportProblem(f"symbolic link in the archive: {info.filename!r}"))
            elif not info.is_dir() and not name.startswith("__MACOSX/"):
                self.infos[name] = info
                self.sizes[name] = info.file_size

    def read(self, name: str) -> bytes:
        info = self.infos[name]
        try:
            with self.archive.open(info) as fh:
                return fh.read(MAX_XML_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise OSError(f"cannot be read from the archive ({exc})") from None


class _OneFile(_Files):
    def __init__(self, path: Path) -> None:
        super().__init__(path.name)
        self.path = path
        self.sizes[path.name] = path.stat().st_size

    def read(self, name: str) -> bytes:
        return self.path.read_bytes()


# --- XML ------------------------------------------------------------------------------------------


class _LineTreeBuilder(TreeBuilder):
    """Remembers the line of each element's start tag, for errors that name it."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.expat.CurrentLineNumber
        return element


@dataclass
class _Document:
    file: str
    root: Element
    lines: dict[int, int]

    def line(self, element: Element) -> int:
        return self.lines.get(id(element), 0)


def _parse_xml(file: str, data: bytes) -> _Document:
    if len(data) > MAX_XML_BYTES:
        raise _Invalid(f"the file is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        line, column = getattr(exc, "position", None) or (0, 0)
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise _Invalid(f"not well-formed XML: {reason} (column {column + 1})", line) from None
    except DefusedXmlException as exc:
        line = builder.expat.CurrentLineNumber if builder.expat is not None else 0
        raise _Invalid("declares an entity or refers to an external resource, which is refused: entities can "
                       f"expand without limit or read other files ({type(exc).__name__})", line) from None
    depth = [(root, 1)]
    while depth:
        element, level = depth.pop()
        if level > MAX_DEPTH:
            raise _Invalid(f"elements nest more than {MAX_DEPTH} levels deep", builder.lines.get(id(element), 0))
        depth.extend((child, level + 1) for child in element)
    return _Document(file, root, builder.lines)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _name(element: Element) -> str:
    """QTI 2.x's name of an element: ``qti-choice-interaction`` (3.0) reads as ``choiceInteraction``."""
    local = _local(element.tag)
    if local.startswith("qti-"):
        first, *rest = local[4:].split("-")
        return first + "".join(part[:1].upper() + part[1:] for part in rest)
    return local


def _attr(element: Element, name: str, default: str | None = None) -> str | None:
    """An attribute by its QTI 2.x name, or by its QTI 3.0 name (``baseType`` or ``base-type``)."""
    if name in element.attrib:
        return element.attrib[name]
    kebab = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)
    return element.attrib.get(kebab, default)


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _written(element: Element) -> str:
    """The element's name as the file writes it, for messages."""
    return _local(element.tag)


# --- XHTML to a stem ------------------------------------------------------------------------------


@dataclass
class _Body:
    """What the item body gives: the stem, the feedback it holds, and warnings."""

    doc: _Document
    interaction: Element
    prompt: str = ""
    feedback: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _text(value: str | None, pre: bool) -> str:
    if not value:
        return ""
    return html.escape(value if pre else re.sub(r"\s+", " ", value), quote=False)


def _inner(element: Element, body: _Body, pre: bool = False) -> str:
    out = [_text(element.text, pre)]
    for child in element:
        out.append(_html(child, body, pre))
        out.append(_text(child.tail, pre))
    return "".join(out)


def _html(element: Element, body: _Body, pre: bool) -> str:
    name = _name(element)
    if element is body.interaction:
        if name == "textEntryInteraction":
            return _GAP
        prompt = _child(element, "prompt")
        body.prompt = _blocks(prompt, body) if prompt is not None else ""
        return ""
    if name in _MEDIA:
        detail = _attr(element, "src") or _attr(element, "data") or ""
        raise _Unsupported(f"the item shows {_MEDIA[name]} (<{_written(element)}>{' ' + detail if detail else ''}, "
                           f"line {body.doc.line(element)}), which a bank question cannot hold")
    if name in _FEEDBACK:
        body.feedback.append(_blocks(element, body))
        return ""
    if name == "rubricBlock":
        if "candidate" not in (_attr(element, "view") or "").split():
            body.warnings.append(f"{where(body.doc.file, body.doc.line(element))}: a rubric for "
                                 f"{_attr(element, 'view') or 'no one'} (not the candidate) is left out")
            return ""
        return f"<div>{_inner(element, body, pre)}</div>"
    if name not in _HTML:
        body.warnings.append(f"{where(body.doc.file, body.doc.line(element))}: <{_written(element)}> is not shown "
                             "as such; its text is kept")
        return _inner(element, body, pre)
    allowed = _HTML_ATTRS.get(name, set())
    attrs = "".join(f' {key}="{html.escape(value)}"' for key, value in sorted(element.attrib.items())
                    if key in allowed)
    if name in _VOID:
        return f"<{name}{attrs}>"
    return f"<{name}{attrs}>{_inner(element, body, pre or name == 'pre')}</{name}>"


def _blocks(element: Element, body: _Body) -> str:
    """The content as HTML blocks separated by blank lines, which Markdown passes through as they are
    (inline content is wrapped in a paragraph, so Markdown never reads its characters as formatting)."""
    blocks: list[str] = []
    inline: list[str] = [_text(element.text, False)]

    def flush() -> None:
        text = "".join(inline).strip()
        if text:
            blocks.append(f"<p>{text}</p>")
        inline.clear()

    for child in element:
        if _name(child) == "contentBody":  # QTI 3.0 wraps feedback and rubrics in qti-content-body
            flush()
            blocks.append(_blocks(child, body))
            inline.append(_text(child.tail, False))
            continue
        rendered = _html(child, body, False)
        if _name(child) in _BLOCK or _name(child) == "rubricBlock" or (
                child is body.interaction and _name(child) != "textEntryInteraction") or _name(child) in _FEEDBACK:
            flush()
            if rendered.strip():
                blocks.append(rendered.strip())
        else:
            inline.append(rendered)
        inline.append(_text(child.tail, False))
    flush()
    return "\n\n".join(blocks)


def _plain(element: Element, body: _Body, what: str) -> tuple[str, list[str]]:
    """The text of a choice (without the feedback inside it) and the feedback; formatting is dropped with a
    warning, since choices are plain text."""
    parts: list[str] = [element.text or ""]
    feedback: list[str] = []
    dropped: set[str] = set()
    for child in element:
        name = _name(child)
        if name in _MEDIA:
            raise _Unsupported(f"{what} shows {_MEDIA[name]} (<{_written(child)}>, line {body.doc.line(child)}), "
                               "which a choice cannot hold")
        if name in _FEEDBACK:
            feedback.append(" ".join("".join(child.itertext()).split()))
        else:
            for inner in child.iter():
                if _name(inner) in _MEDIA:
                    raise _Unsupported(f"{what} shows {_MEDIA[_name(inner)]} (line {body.doc.line(inner)}), "
                                       "which a choice cannot hold")
                if _name(inner) != "span":
                    dropped.add(_written(inner))
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    text = " ".join("".join(parts).split())
    if dropped:
        body.warnings.append(f"{where(body.doc.file, body.doc.line(element))}: {what} is plain text here: its "
                             f"formatting ({', '.join(sorted(dropped))}) is dropped")
    return text, feedback


# --- Response declarations and processing ---------------------------------------------------------


@dataclass
class _Key:
    """What a response is graded against, read from the declaration and the response processing."""

    values: list[str]
    case_sensitive: set[bool]
    tolerances: list[Element]


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise _Invalid(f"{what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise _Invalid(f"{what} must be a finite number")
    return value


def _mapped(declaration: Element, doc: _Document) -> tuple[list[str], set[bool]]:
    """The full-credit keys of the declaration's mapping (partial credit refused) and their case rule."""
    mapping = _child(declaration, "mapping")
    if mapping is None:
        raise _Invalid("the response processing maps the response, but its declaration has no mapping",
                       doc.line(declaration))
    entries = []
    for entry in _children(mapping, "mapEntry"):
        value = _number(_attr(entry, "mappedValue") or "", "the mapped value")
        entries.append((_attr(entry, "mapKey") or "", value, (_attr(entry, "caseSensitive") or "true") == "true"))
    positive = [e for e in entries if e[1] > 0]
    if not positive:
        return [], set()
    best = max(e[1] for e in positive)
    partial = [e for e in positive if e[1] < best]
    if partial:
        raise _Unsupported(f"partial credit (the answer {partial[0][0]!r} is worth {partial[0][1]:g} of "
                           f"{best:g}) is not supported: an answer is right or wrong here")
    return [e[0] for e in positive], {e[2] for e in positive}


def _refers_to(operator: Element, response: str) -> bool:
    return any(_name(arg) == "variable" and _attr(arg, "identifier") == response for arg in operator)


def _answer_key(item: Element, declaration: Element, response: str, doc: _Document) -> _Key:
    """The right answers, following the response processing: the templates ``match_correct`` (the
    correct response, matched exactly) and ``map_response`` (the mapping's full-credit keys), or the
    operators of a written-out processing that test this response (``match``, ``stringMatch``,
    ``equal``, ``mapResponse``). Without response processing, the correct response (else the mapping)."""
    correct_element = _child(declaration, "correctResponse")
    correct = [(v.text or "").strip() for v in _children(correct_element, "value")] if correct_element is not None else []
    key = _Key([], set(), [])
    processing = _child(item, "responseProcessing")
    template = (_attr(processing, "template") or _attr(processing, "templateLocation") or "") if processing is not None else ""
    if template:
        name = template.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
        if name not in _TEMPLATES:
            raise _Unsupported(f"the response processing template {name!r} is not supported "
                               "(match_correct and map_response are)")
        if name == "match_correct":
            key.values, key.case_sensitive = correct, {True}
        else:
            key.values, key.case_sensitive = _mapped(declaration, doc)
        return key
    operators = [op for op in processing.iter() if _refers_to(op, response)] if processing is not None else []
    if processing is not None and not operators and not any(
            _name(op) == "mapResponse" and _attr(op, "identifier") == response for op in processing.iter()):
        raise _Unsupported("the response processing never tests the response, so it cannot be graded here")
    for op in operators:
        name = _name(op)
        others = [arg for arg in op if not (_name(arg) == "variable" and _attr(arg, "identifier") == response)]
        if name not in ("match", "stringMatch", "equal"):
            raise _Unsupported(f"the response processing tests the response with <{_written(op)}>, which is not "
                               "supported (match, stringMatch, equal and mapResponse are)")
        for other in others:
            if _name(other) == "correct":
                key.values += correct
            elif _name(other) == "baseValue":
                key.values.append((other.text or "").strip())
            else:
                raise _Unsupported(f"the response processing compares the response with <{_written(other)}>, "
                                   "which is not supported (a correct response or a base value is)")
        if name == "stringMatch":
            key.case_sensitive.add((_attr(op, "caseSensitive") or "true") == "true")
        elif name == "match":
            key.case_sensitive.add(True)
        else:
            key.tolerances.append(op)
    if processing is not None and any(_name(op) == "mapResponse" and _attr(op, "identifier") == response
                                      for op in processing.iter()):
        values, cases = _mapped(declaration, doc)
        key.values += values
        key.case_sensitive |= cases
    if processing is None:
        if correct:
            key.values, key.case_sensitive = correct, {True}
        elif _child(declaration, "mapping") is not None:
            key.values, key.case_sensitive = _mapped(declaration, doc)
    key.values = list(dict.fromkeys(v for v in key.values if v != ""))
    return key


def _tolerance(op: Element, answer: float) -> tuple[float, float, list[str]]:
    """How far below and above ``answer`` ``equal`` accepts: ``exact``, ``absolute`` (t0 below, t1 above)
    or ``relative`` (percent of the answer)."""
    mode = _attr(op, "toleranceMode") or "exact"
    notes = []
    if any((_attr(op, bound) or "true") == "false" for bound in ("includeLowerBound", "includeUpperBound")):
        notes.append("the tolerance excludes its bounds; Pathwise includes them")
    if mode == "exact":
        return 0.0, 0.0, notes
    if mode not in ("absolute", "relative"):
        raise _Invalid(f"unknown toleranceMode {mode!r}")
    parts = (_attr(op, "tolerance") or "").split()
    if not 1 <= len(parts) <= 2:
        raise _Invalid(f"toleranceMode {mode} needs a tolerance of one or two numbers")
    low, high = (_number(p, "the tolerance") for p in (parts[0], parts[-1]))
    if low < 0 or high < 0:
        raise _Invalid("a tolerance must not be negative")
    if mode == "relative":
        low, high = abs(answer) * low / 100, abs(answer) * high / 100
    return low, high, notes


# --- Items ----------------------------------------------------------------------------------------


def _feedback_html(item: Element, body: _Body) -> list[str]:
    """Modal feedback after the feedback in the body: Pathwise shows one explanation whatever the answer,
    so every feedback is kept in it, under its title when it has one."""
    parts = list(body.feedback)
    for modal in _children(item, "modalFeedback"):
        content = _blocks(modal, body)
        title = _attr(modal, "title")
        if title and content:
            content = f"<p><strong>{html.escape(title, quote=False)}</strong></p>\n\n{content}"
        if content:
            parts.append(content)
    return [p for p in parts if p.strip()]


def _choice_question(item: Element, interaction: Element, declaration: Element, body: _Body,
                     response: str) -> tuple[str, dict[str, Any], str]:
    cardinality = _attr(declaration, "cardinality") or "single"
    if cardinality not in ("single", "multiple"):
        raise _Unsupported(f"a choice interaction with {cardinality} cardinality is not supported")
    choices: list[tuple[str, str, list[str]]] = []
    for choice in interaction:
        name = _name(choice)
        if name in ("prompt",):
            continue
        if name != "simpleChoice":
            raise _Unsupported(f"<{_written(choice)}> inside a choice interaction is not supported")
        identifier = _attr(choice, "identifier") or ""
        if not identifier:
            raise _Invalid("a choice has no identifier", body.doc.line(choice))
        text, feedback = _plain(choice, body, f"the choice {identifier}")
        if not text:
            raise _Unsupported(f"the choice {identifier} has no text")
        if len(text) > 500 or len(" ".join(feedback)) > 500:
            raise _Unsupported(f"the choice {identifier} or its feedback is longer than 500 characters")
        choices.append((identifier, text, feedback))
    identifiers = [c[0] for c in choices]
    if len(set(identifiers)) != len(identifiers):
        raise _Invalid("two choices have the same identifier", body.doc.line(interaction))
    if len(choices) < 2:
        raise _Unsupported("a choice interaction needs at least 2 choices")
    key = _answer_key(item, declaration, response, body.doc)
    right = set(key.values)
    unknown = sorted(right - set(identifiers))
    if unknown:
        raise _Invalid(f"the correct response names a choice that does not exist ({', '.join(unknown)})",
                       body.doc.line(declaration))
    if not right:
        raise _Unsupported("no right answer is declared (no correct response, no mapping with credit), "
                           "so it cannot be graded")
    if cardinality == "single" and len(right) > 1:
        raise _Unsupported(f"several right choices ({', '.join(sorted(right))}) for a single answer are not "
                           "supported: make the response's cardinality multiple")
    qtype = Question.SINGLE if cardinality == "single" else Question.MULTIPLE
    specs = [ChoiceSpec(text=text, is_correct=ident in right, feedback=" ".join(feedback))
             for ident, text, feedback in choices]
    right_texts = [c.text for c in specs if c.is_correct]
    fallback = (f"The right answer is: {right_texts[0]}." if qtype == Question.SINGLE
                else "The right answers are: " + "; ".join(right_texts) + ".")
    return qtype, {"choices": specs}, html.escape(fallback, quote=False)


def _text_entry_question(item: Element, declaration: Element, body: _Body,
                         response: str) -> tuple[str, dict[str, Any], str]:
    base_type = _attr(declaration, "baseType") or ""
    if (_attr(declaration, "cardinality") or "single") != "single":
        raise _Unsupported("a text entry with more than one value (cardinality) is not supported")
    key = _answer_key(item, declaration, response, body.doc)
    if not key.values:
        raise _Unsupported("no right answer is declared (no correct response, no mapping with credit), "
                           "so it cannot be graded")
    if base_type == "string":
        if len(key.case_sensitive) > 1:
            raise _Unsupported("some answers are case-sensitive and others not: a question has one rule here")
        case_sensitive = key.case_sensitive != {False}
        if any(len(v) > 500 for v in key.values):
            raise _Unsupported("an accepted answer is longer than 500 characters")
        fallback = f"Accepted answer{'s' if len(key.values) > 1 else ''}: " + ", ".join(key.values) + "."
        return Question.SHORT_TEXT, {"accepted_answers": key.values, "case_sensitive": case_sensitive}, \
            html.escape(fallback, quote=False)
    if base_type not in ("float", "integer"):
        raise _Unsupported(f"a text entry with baseType {base_type or '(none)'} is not supported "
                           "(string, float and integer are)")
    numbers = sorted({_number(v, "the correct response") for v in key.values})
    if len(numbers) > 1:
        raise _Unsupported(f"several right numbers ({', '.join(f'{n:g}' for n in numbers)}) are not supported: "
                           "a numeric question has one answer, with a tolerance")
    answer = numbers[0]
    ranges = {_tolerance(op, answer)[:2] for op in key.tolerances} or {(0.0, 0.0)}
    if len(ranges) > 1:
        raise _Unsupported("the response processing accepts different ranges at different places")
    for op in key.tolerances:
        body.warnings.extend(f"{where(body.doc.file, 0, _attr(item, 'identifier') or '')}: {note}"
                             for note in _tolerance(op, answer)[2])
    below, above = ranges.pop()
    value, tolerance = answer + (above - below) / 2, (above + below) / 2
    if below != above:
        body.warnings.append(f"{where(body.doc.file, 0, _attr(item, 'identifier') or '')}: the tolerance differs below and above "
                             f"{answer:g}; the answer is stored as {value:g} ± {tolerance:g}, the same range")
        fallback = f"The answer is {answer:g} (from {answer - below:g} to {answer + above:g})."
    else:
        fallback = f"The answer is {answer:g}" + (f" (± {tolerance:g})." if tolerance else ".")
    return Question.NUMERIC, {"numeric_answer": value, "numeric_tolerance": tolerance}, fallback


def _parse_item(doc: _Document) -> ParsedQuestion:
    item = doc.root
    identifier = (_attr(item, "identifier") or "").strip()
    if not identifier:
        raise _Invalid("the assessment item has no identifier", doc.line(item))
    line = doc.line(item)
    parsed = ParsedQuestion(place=where(doc.file, line, identifier), line=line, name=identifier, file=doc.file)
    try:
        _parse_item_body(doc, parsed)
    except _Unsupported as exc:
        parsed.unsupported = str(exc)
        parsed.spec = None
    return parsed


def _parse_item_body(doc: _Document, parsed: ParsedQuestion) -> None:
    item = doc.root
    if (_attr(item, "adaptive") or "false") == "true":
        raise _Unsupported("adaptive items (adaptive=\"true\": several attempts with changing content) "
                           "are not supported")
    templates = _children(item, "templateDeclaration")
    if templates:
        raise _Unsupported(f"template variables (<{_written(templates[0])}>: values that change with every "
                           "attempt) are not supported")
    item_body = _child(item, "itemBody")
    if item_body is None:
        raise _Invalid("the item has no item body", doc.line(item))
    interactions = [el for el in item_body.iter() if _name(el).endswith("Interaction")]
    unsupported = sorted({_written(el) for el in interactions if _name(el) not in SUPPORTED})
    if unsupported:
        raise _Unsupported(f"{', '.join(unsupported)} {'is' if len(unsupported) == 1 else 'are'} not supported "
                           "(choice and text entry interactions are)")
    if not interactions:
        raise _Unsupported("the item has no interaction: there is nothing to answer")
    if len(interactions) > 1:
        names = ", ".join(_written(el) for el in interactions)
        raise _Unsupported(f"several interactions in one item ({names}) are not supported: a bank question "
                           "takes one answer")
    interaction = interactions[0]
    response = _attr(interaction, "responseIdentifier") or ""
    declarations = {_attr(d, "identifier"): d for d in _children(item, "responseDeclaration")}
    declaration = declarations.get(response)
    if declaration is None:
        raise _Invalid(f"the interaction's response {response!r} has no response declaration",
                       doc.line(interaction))
    body = _Body(doc, interaction)
    stem = _blocks(item_body, body)
    if body.prompt:
        stem = "\n\n".join(part for part in (stem, body.prompt) if part)
    if _name(interaction) == "choiceInteraction":
        qtype, fields, fallback = _choice_question(item, interaction, declaration, body, response)
    else:
        qtype, fields, fallback = _text_entry_question(item, declaration, body, response)
    if not re.sub(r"<[^>]+>|_____", "", stem).strip():
        raise _Invalid("the item has no question text (item body or prompt)", doc.line(item_body))
    feedback = _feedback_html(item, body)
    explanation = "\n\n".join(feedback) if feedback else f"<p>{fallback}</p>"
    parsed.warnings.extend(body.warnings)
    parsed.spec = QuestionSpec(key="", type=qtype, stem=stem, explanation=explanation, difficulty=3, skills=[],
                               **fields)


# --- Finding the items ----------------------------------------------------------------------------


def _open(path: Path, errors: list[ImportProblem]) -> _Files | None:
    if path.is_dir():
        return _FolderFiles(path, errors)
    if not path.is_file():
        errors.append(ImportProblem("no such file or folder"))
        return None
    if zipfile.is_zipfile(path):
        return _ZipFiles(path, errors)
    return _OneFile(path)


def _manifest_items(files: _Files, manifest: str, warnings: list[str]) -> list[str]:
    """The item files an IMS content package's manifest lists (resources of type ``imsqti_item_...``)."""
    doc = _parse_xml(manifest, _read(files, manifest))
    if _name(doc.root) != "manifest":
        raise _Invalid(f"{MANIFEST} is not a content package manifest (<{_written(doc.root)}>)", doc.line(doc.root))
    base = posixpath.dirname(manifest)
    found: list[str] = []
    tests = 0
    for resource in doc.root.iter():
        if _name(resource) != "resource":
            continue
        kind = (_attr(resource, "type") or "").lower()
        if kind.startswith("imsqti_test"):
            tests += 1
        if not kind.startswith("imsqti_item"):
            continue
        href = _attr(resource, "href")
        target = safe_relative_path(posixpath.normpath(posixpath.join(base, unquote(href)))) if href else None
        if target is None:
            raise _Invalid(f"the resource {_attr(resource, 'identifier') or ''} has no usable href ({href!r})",
                           doc.line(resource))
        if target not in files.sizes:
            raise _Invalid(f"the resource {_attr(resource, 'identifier') or ''} names {target}, which the package "
                           "does not hold", doc.line(resource))
        found.append(target)
    if tests:
        warnings.append(f"{manifest}: {tests} assessment test{'s are' if tests > 1 else ' is'} not imported (only "
                        "the items the manifest lists are)")
    if not found:
        raise _Invalid("the manifest lists no QTI items (resources of type imsqti_item_...)")
    return list(dict.fromkeys(found))


def _read(files: _Files, name: str) -> bytes:
    if files.sizes.get(name, 0) > MAX_XML_BYTES:
        raise _Invalid(f"the file is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    try:
        data = files.read(name)
    except OSError as exc:
        raise _Invalid(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_XML_BYTES:
        raise _Invalid(f"the file is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    return data


def parse_qti(path: Path) -> tuple[list[ParsedQuestion], list[ImportProblem], list[str]]:
    """Read every item of a file, folder or zip: the items (each supported or not), errors, warnings."""
    errors: list[ImportProblem] = []
    warnings: list[str] = []
    files = _open(Path(path), errors)
    if files is None or errors:
        return [], errors, warnings
    manifests = sorted((n for n in files.sizes if posixpath.basename(n) == MANIFEST), key=lambda n: n.count("/"))
    try:
        if manifests:
            names = _manifest_items(files, manifests[0], warnings)
            listed = True
        else:
            names = [n for n in files.sizes if n.lower().endswith(".xml")] if not isinstance(files, _OneFile) \
                else list(files.sizes)
            listed = False
    except _Invalid as exc:
        return [], [ImportProblem(str(exc), file=manifests[0] if manifests else "", line=exc.line)], warnings
    if not names:
        return [], [ImportProblem("holds no XML files")], warnings
    items: list[ParsedQuestion] = []
    for name in names:
        label = "" if isinstance(files, _OneFile) else name
        try:
            doc = _parse_xml(label, _read(files, name))
        except _Invalid as exc:
            errors.append(ImportProblem(str(exc), file=label, line=exc.line))
            continue
        if _name(doc.root) != "assessmentItem":
            message = f"not a QTI assessment item (<{_written(doc.root)}>)"
            if listed or isinstance(files, _OneFile):
                errors.append(ImportProblem(message, file=label, line=doc.line(doc.root)))
            else:
                warnings.append(f"{label}: {message}: skipped")
            continue
        try:
            items.append(_parse_item(doc))
        except _Invalid as exc:
            errors.append(ImportProblem(str(exc), file=label, line=exc.line, item=_attr(doc.root, "identifier") or ""))
    return items, errors, warnings


# --- Import ---------------------------------------------------------------------------------------


def question_bank_import_qti(*, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int | None = None,
                             dry_run: bool = False, suggest_skills: bool = False) -> BankImportReport:
    """Import the QTI items of a file, a folder or a zip into the bank (not into any module).

    Keys are ``<key_prefix>-<item identifier>``, so importing the same items again updates the same
    questions. QTI names no skill Pathwise knows: every question gets ``skill_slug`` (an existing skill),
    or, with ``suggest_skills``, is imported untagged with suggested skills recorded for an admin to
    approve. ``difficulty`` applies to every question; without it, new questions get 3 and existing ones
    keep theirs. Raises ``ImportInvalid`` listing every error, writing nothing.
    """
    bank_import_options_check(key_prefix=key_prefix, difficulty=difficulty)
    items, errors, warnings = parse_qti(path)
    if skill_slug is not None and (not SLUG_RE.match(skill_slug) or not Skill.objects.filter(slug=skill_slug).exists()):
        errors.append(ImportProblem(f"unknown skill {skill_slug!r}"))
    elif skill_slug is None and not suggest_skills:
        errors.append(ImportProblem("QTI items name no Pathwise skill: choose one for every question (--skill), "
                                    "or import them untagged with suggested skills (--suggest-skills)"))
    seen: dict[str, ParsedQuestion] = {}
    for item in items:
        key = f"{key_prefix}-{item.name}"
        if item.name in seen:
            errors.append(ImportProblem(f"the identifier is used by another item too ({seen[item.name].file})",
                                        file=item.file, line=item.line, item=item.name))
        elif not KEY_RE.match(key) or len(key) > 100:
            errors.append(ImportProblem(f"cannot make a question key from the identifier: {key!r} must be letters, "
                                        "digits, '-', '_' or '.', at most 100 characters",
                                        file=item.file, line=item.line, item=item.name))
        seen[item.name] = item
        if item.spec is not None:
            item.spec.key = key
    if not items and not errors:
        errors.extend(ImportProblem(warning) for warning in warnings)
        errors.append(ImportProblem("holds no QTI assessment items"))
    if errors:
        raise ImportInvalid(errors)

    report = BankImportReport(unsupported_verb="refused", dry_run=dry_run, warnings=list(warnings))
    for item in items:
        report.warnings.extend(item.warnings)
    bank_questions_import(items=items, skills_for=lambda _item: [skill_slug] if skill_slug else [],
                          difficulty=difficulty, source="import_qti", report=report)
    return report

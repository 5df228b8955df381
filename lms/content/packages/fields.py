"""Reading the fields of a package's data files with their types, and the files they name, recording
each problem with its place (``modules[0].images[1].file``) instead of stopping at the first."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from lms.content.importing import SLUG_RE, ImportProblem, safe_relative_path
from lms.content.packages.sources import MAX_TEXT_BYTES, Source

IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
}

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


# --- Fields ---------------------------------------------------------------------------------------


def join_path(where: str, key: str | int) -> str:
    """The place of a field, as problems name it: ``modules[0].images``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


MISSING = object()


class FieldReader:
    """Reads the fields and files of one package, collecting every problem instead of stopping at the first."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.errors: list[ImportProblem] = []
        self.warnings: list[str] = []
        self._images: dict[str, tuple[str, bytes] | None] = {}

    def add(self, file: str, field_: str, message: str) -> None:
        self.errors.append(ImportProblem(message, file=file, field=field_))

    # Field readers: each records its own problem and returns a usable default.

    def mapping(self, file: str, where: str, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(file, where or "-", f"must be a mapping of fields (found {kind_of(value)})")
            return None
        return value

    def known(self, file: str, where: str, data: dict[str, Any], allowed: set[str], what: str = "") -> None:
        for key in data:
            if key not in allowed:
                suffix = f" for {what}" if what else ""
                self.add(file, join_path(where, str(key)),
                         f"unknown field{suffix} (allowed: {', '.join(sorted(allowed))})")

    def text(self, file: str, where: str, data: dict[str, Any], key: str, *, required: bool = False,
             max_length: int | None = None, one_line: bool = False) -> str:
        name = join_path(where, key)
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            if required:
                self.add(file, name, "required")
            return ""
        if isinstance(value, bool):
            self.add(file, name, "must be text, not a boolean (quote it: YAML reads yes/no/true/false as booleans)")
            return ""
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            self.add(file, name, f"must be text (found {kind_of(value)})")
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
        value = data.get(key, MISSING)
        name = join_path(where, key)
        if value is MISSING or value is None or value == "":
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
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            if default is None:
                self.add(file, join_path(where, key), "required: true or false")
            return default
        if not isinstance(value, bool):
            self.add(file, join_path(where, key), f"must be true or false (found {value!r})")
            return default
        return value

    def number(self, file: str, where: str, data: dict[str, Any], key: str, *, default: float | None,
               low: float | None = None, high: float | None = None) -> float | None:
        value = data.get(key, MISSING)
        name = join_path(where, key)
        if value is MISSING or value is None:
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
        value: object = data.get(key, MISSING)
        name = join_path(where, key)
        if value is MISSING or value is None:
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
        value = data.get(key, MISSING)
        name = join_path(where, key)
        if value is MISSING or value is None:
            if required:
                self.add(file, name, "required: a list")
            return []
        if not isinstance(value, list):
            self.add(file, name, f"must be a list (found {kind_of(value)})")
            return []
        return value

    def slug_list(self, file: str, where: str, data: dict[str, Any], key: str, *, required: bool = False,
                  pattern: re.Pattern[str] = SLUG_RE, what: str = "slug") -> list[str]:
        items = self.listing(file, where, data, key, required=required)
        name = join_path(where, key)
        if required and isinstance(data.get(key), list) and not items:
            self.add(file, name, f"needs at least one {what}")
        result: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not pattern.match(item):
                self.add(file, join_path(name, i), f"{item!r} is not a valid {what}")
            elif item in result:
                self.add(file, join_path(name, i), f"{what} {item!r} is listed twice")
            else:
                result.append(item)
        return result

    def slugged_items(self, file: str, data: dict[str, Any], key: str, allowed: set[str], *, what: str
                      ) -> Iterator[tuple[str, dict[str, Any], str]]:
        """The mappings listed under ``key`` (skills, modules), each with its place and its slug, once the
        fields are known and the slug valid and not listed before."""
        seen: set[str] = set()
        for i, item in enumerate(self.listing(file, "", data, key)):
            where = join_path(key, i)
            mapping = self.mapping(file, where, item)
            if mapping is None:
                continue
            self.known(file, where, mapping, allowed)
            slug = self.slug(file, where, mapping)
            if slug and slug in seen:
                self.add(file, join_path(where, "slug"), f"{what} {slug!r} is listed twice")
            seen.add(slug)
            yield where, mapping, slug

    # Files

    def read_text(self, file: str, where: str, rel_value: Any) -> str | None:
        rel = safe_relative_path(rel_value) if isinstance(rel_value, str) else None
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
        rel = safe_relative_path(rel_value) if isinstance(rel_value, str) else None
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

def kind_of(value: Any) -> str:
    """What a value is, in the words of a problem: ``a mapping``, ``text``, ``nothing``."""
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)

"""Reading a course package: its files, from a folder or a .zip, and its YAML or JSON data files.

Paths are package paths (``modules/a.md``); none may leave the package, by ``..``, an absolute path or
a symbolic link.
"""

from __future__ import annotations

import json
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any

import yaml

from lms.content.importing import ImportInvalid, ImportProblem, safe_relative_path
from lms.text import format_path, unstorable

MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_NESTING = 20  # a package nests five levels (modules[0].images[1].file); more is a mistake or an attack
MAX_ZIP_MEMBERS = 5000


class Source:
    """Files of a package by their package path (``modules/a.md``), wherever they are stored."""

    label: str

    def size(self, rel: str) -> int | None:
        raise NotImplementedError

    def read(self, rel: str) -> bytes:
        raise NotImplementedError


class FolderSource(Source):
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


class ZipSource(Source):
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


def _zip_open(path: Path, errors: list[ImportProblem]) -> ZipSource | None:
    label = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        errors.append(ImportProblem(f"not a readable zip file ({exc})", file=label))
        return None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        errors.append(ImportProblem(f"too many files ({len(infos)}; at most {MAX_ZIP_MEMBERS})", file=label))
        return None
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        safe = safe_relative_path(name.rstrip("/") if info.is_dir() else name)
        if safe is None:
            errors.append(ImportProblem("unsafe path in the archive (absolute or leaving the package)",
                                        file=label, field=name))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            errors.append(ImportProblem("symbolic links are not allowed in a package", file=label, field=name))
            continue
        if info.is_dir() or safe.startswith("__MACOSX/") or safe.rsplit("/", 1)[-1] == ".DS_Store":
            continue
        if safe in members:
            errors.append(ImportProblem("the archive holds this file twice", file=label, field=name))
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
    return ZipSource(archive, members, label)


def package_open(path: Path) -> Source:
    """The files of the package at ``path``, a folder or a .zip; raises ``ImportInvalid`` if it cannot be
    opened (a zip is closed with ``package_close``)."""
    errors: list[ImportProblem] = []
    source: Source | None
    if path.is_dir():
        source = FolderSource(path)
    elif path.is_file():
        source = _zip_open(path, errors)
    else:
        raise ImportInvalid([ImportProblem("no such folder or .zip file", file=str(path))])
    if source is None:
        raise ImportInvalid(errors)
    return source


def package_close(source: Source) -> None:
    if isinstance(source, ZipSource):
        source.archive.close()


# --- Loading YAML ---------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which plain YAML silently lets the last one win."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        except TypeError:
            pass
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def data_load(name: str, raw: bytes, errors: list[ImportProblem]) -> tuple[bool, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(ImportProblem(f"not valid UTF-8 text (byte {exc.start})", file=name))
        return False, None
    too_deep = ImportProblem(f"nested more than {MAX_NESTING} levels deep", file=name)
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(ImportProblem(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name,
                                        field=f"line {exc.lineno}"))
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
            errors.append(ImportProblem(f"invalid YAML: {problem}{column}", file=name, field=where))
            return False, None
        except RecursionError:
            errors.append(too_deep)
            return False, None
    # JSON's \u0000 and \ud800 and YAML's "\0" make text no database stores: refuse it here, by place.
    found = unstorable(data, max_depth=MAX_NESTING)
    if found is not None:
        path, problem = found
        errors.append(ImportProblem(problem, file=name, field=format_path(path)))
        return False, None
    return True, data


"""Text the database can store, checked where text comes in (request bodies, URLs, imported files).

PostgreSQL refuses a NUL character in text and JSON, and a lone surrogate (half of a UTF-16 pair,
which JSON's ``\\ud800`` escapes can produce) cannot be encoded as UTF-8 by any database driver.
Either one reaching a query is a server error; found at the door, it is the client's or the
author's mistake, named as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000)"
    if _SURROGATE_RE.search(value):
        return "must not contain unpaired surrogates (\\ud800-\\udfff)"
    return None


Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """``modules[2].title``: where a value sits in parsed JSON or YAML. Keys that are not plain
    names are quoted with ascii(), so a message never carries an offending character itself (a
    response holding a lone surrogate could not be encoded either)."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            name = key if key.isidentifier() and key.isascii() else ascii(key)
            text += f".{name}" if text else name
    return text


def unstorable(data: Any, *, max_depth: int | None = None) -> tuple[Path, str] | None:
    """The first problem in ``data`` (parsed JSON or YAML: dicts, lists and scalars), as
    ``(path, message)``, the path being the keys and indexes leading to it (empty for the top).

    Checks every string, mapping keys included, and, with ``max_depth``, how deeply lists and
    mappings are nested. Iterative, so that depth alone can never exhaust the stack.
    """
    stack: list[tuple[Any, Path]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return path, problem
        elif isinstance(value, dict | list):
            if max_depth is not None and len(path) >= max_depth:
                return path, f"nested more than {max_depth} levels deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children: list[tuple[Any, Path]] = []
            for key, child in items:
                if isinstance(key, str) and (problem := text_problem(key)):
                    return path, f"keys {problem}"
                children.append((child, (*path, key)))
            stack.extend(reversed(children))
    return None


class UnstorableTextMiddleware:
    """A 400 for an address whose path or query string holds a NUL character (``%00``), before any
    view looks it up in the database. (Django decodes invalid UTF-8 in addresses without producing
    surrogates, so NUL is the one character to refuse here.) The API answers in its own shape: a
    parameter's problem under the parameter's name, as its serializers would."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith("/api/")
        if "\x00" in request.path_info:
            return self._refuse(api, {"detail": "The address must not contain NUL characters (%00)."})
        for key, values in request.GET.lists():
            if "\x00" in key:
                return self._refuse(api, {"detail": "Query parameter names must not contain NUL characters (%00)."})
            if any("\x00" in value for value in values):
                return self._refuse(api, {key: ["must not contain NUL characters (\\u0000)"]})
        return self.get_response(request)

    @staticmethod
    def _refuse(api: bool, errors: dict[str, Any]) -> HttpResponse:
        if api:
            return JsonResponse(errors, status=400)
        text = " ".join(v if isinstance(v, str) else f"{k}: {' '.join(v)}" for k, v in errors.items())
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")

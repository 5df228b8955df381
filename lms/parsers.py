"""DRF's parsers, each refusing a body that holds text the database cannot store (see ``lms.text``)
with a 400 naming the field, instead of a database error and a 500.

Kept apart from ``lms.api``: DRF imports the parser classes named in the settings while it defines
``APIView``, so this module must not import ``rest_framework.views``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings

from lms.text import format_path, text_problem, unstorable

MAX_BODY_DEPTH = 32  # no request of the API nests deeper than a few levels


def _refuse_unstorable(data: Any) -> None:
    """A 400 naming the field when a parsed body holds a NUL character or a lone surrogate (which
    would otherwise fail in the database as a 500), or is nested absurdly deep."""
    if isinstance(data, QueryDict):
        for key, values in data.lists():
            if problem := text_problem(key):
                raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [f"field names {problem}"]})
            for value in values:
                if problem := text_problem(value):
                    raise exceptions.ValidationError({key: [problem]})
        return
    found = unstorable(data, max_depth=MAX_BODY_DEPTH)
    if found is None:
        return
    path, problem = found
    if not path or not isinstance(path[0], str):
        raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [problem]})
    inner = f"{format_path(path[1:])}: " if len(path) > 1 else ""
    raise exceptions.ValidationError({path[0]: [f"{inner}{problem}"]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # json.loads recurses once per level of nesting
            raise exceptions.ParseError(f"JSON parse error - nested more than {MAX_BODY_DEPTH} levels deep") from None
        _refuse_unstorable(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_unstorable(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_unstorable(parsed.data)
        return parsed

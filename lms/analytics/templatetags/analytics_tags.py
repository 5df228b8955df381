from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with ``changes`` applied (None or "" removes a key), e.g.
    ``{% query page=2 %}``. Paging resets when anything else changes."""
    params: QueryDict = context["request"].GET.copy()
    for key in ("format", "table"):
        params.pop(key, None)
    if "page" not in changes and changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def pct(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return gettext("%(percent)s%%") % {"percent": number_format(round(value * 100, digits), digits)}  # 72 % in French


@register.filter
def num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return number_format(round(value, digits), digits)  # 0,25 in French (number_format cuts, so round first)


@register.filter
def signed(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return ("-" if value < 0 else "+") + number_format(round(abs(value), digits), digits)


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


FILTER_KEYS = ("team", "course", "start", "end")


@register.simple_tag(takes_context=True)
def filter_query(context: dict[str, Any]) -> str:
    """Only the shared filters of the current query string, for links to the other dashboards."""
    params = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = context["request"].GET.get(key)
        if value:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""

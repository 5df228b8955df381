"""No English left unmarked in the Python that speaks to people on the pages: the forms and the views.

Each ``forms.py`` and ``*views.py`` under ``lms/`` is read as a syntax tree. A literal piece of text
(a string with letters, or an f-string whose literal parts have letters) is an error where a person
would read it: a flash message (``messages.success(request, "...")``), a form error
(``ValidationError("...")``, ``form.add_error(field, "...")``) and a form field's ``label``,
``help_text``, ``empty_label`` or ``error_messages``. Wrapped in ``gettext`` (``_("...")``) it is a
call, not a literal, so it passes. The REST API's messages (``apis.py``) and the admin are left out:
see docs/languages.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

LMS = Path(settings.BASE_DIR) / "lms"
CHECKED = sorted(p for p in LMS.rglob("*.py") if p.name == "forms.py" or p.name.endswith("views.py"))
FIELD_TEXTS = {"label", "help_text", "empty_label"}


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):  # f"{reason}." only wraps a value; f"Saved {name}." says something
        return any(_is_text(part) for part in node.values)
    return False


def unmarked_python_text(source: str) -> list[tuple[int, str]]:
    """(line, what) for each literal piece of text a person would read, in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if owner == "messages" and len(node.args) >= 2 and _is_text(node.args[1]):
            found.append((node.lineno, f"messages.{name}"))
        elif name == "ValidationError" and node.args and _is_text(node.args[0]):
            found.append((node.lineno, "ValidationError"))
        elif name == "add_error" and len(node.args) >= 2 and _is_text(node.args[1]):
            found.append((node.lineno, "add_error"))
        elif name.endswith("Field"):
            for keyword in node.keywords:
                if keyword.arg in FIELD_TEXTS and _is_text(keyword.value):
                    found.append((node.lineno, keyword.arg))
                elif keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                    found.extend((node.lineno, "error_messages") for v in keyword.value.values if _is_text(v))
    return sorted(found)


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(LMS)))
def test_it_finds_no_unmarked_text(path: Path) -> None:
    assert unmarked_python_text(path.read_text()) == [], f"{path.relative_to(LMS)}: wrap this text in gettext"


def test_the_check_catches_plain_english() -> None:
    source = '''
from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _

class F(forms.Form):
    a = forms.CharField(label="Name", help_text=_("Fine"), error_messages={"required": "Say it"})
    b = forms.ChoiceField(label=_("Fine"), empty_label="All")

def view(request, form, name, exc):
    messages.success(request, f"Saved {name}.")
    messages.error(request, _("Fine."))
    form.add_error(None, f"{exc}.")
    form.add_error("a", "Too long")
    raise forms.ValidationError("Wrong")
'''
    assert unmarked_python_text(source) == [(7, "error_messages"), (7, "label"), (8, "empty_label"),
                                            (11, "messages.success"), (14, "add_error"), (15, "ValidationError")]


def test_it_checks_the_forms_and_views_of_every_app() -> None:
    names = {str(p.relative_to(LMS)) for p in CHECKED}
    assert {"analytics/forms.py", "analytics/views.py", "analytics/team_views.py", "learning/views.py",
            "notifications/views.py", "lti/forms.py", "lti/views.py"} <= names

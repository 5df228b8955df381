"""No English left unmarked on the learner's pages.

Each template below is read with Django's own template lexer. Text inside ``{% translate %}`` and
``{% blocktranslate %}``, comments, and ``<script>``/``<style>`` is set aside; every other piece of
literal text (what lies between the HTML tags, and the ``aria-label``, ``title``, ``alt`` and
``placeholder`` attributes a screen reader or a tooltip shows) must then hold no letters, except the
brand names in ``ALLOWED_WORDS``. A literal string handed to an included template (``label="Why:"``)
or used as a filter's default is text too. So a heading or a button added as plain English fails
here, naming the file and the text, until it is wrapped in ``{% translate %}``.

Every page template a person sees is checked: the learner's pages, the managers' dashboards and team
pages, the emails, single sign-on and LTI pages, and the admin's own pages (a submit button's
``value`` counts as text).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = Path(settings.BASE_DIR) / "templates"
FOLDERS = ("registration", "learning", "diary", "privacy", "accounts", "analytics", "notifications",
           "notifications/email", "socialaccount", "account", "sso", "lti", "content")
CHECKED = sorted(
    [TEMPLATES / "base.html", TEMPLATES / "403.html", TEMPLATES / "404.html", TEMPLATES / "500.html"]
    + [p for folder in FOLDERS for p in (TEMPLATES / folder).iterdir() if p.suffix in {".html", ".txt"}]
    + list((TEMPLATES / "admin").rglob("*.html"))  # the admin's own pages (Django translates the rest)
)
ALLOWED_WORDS = {"Pathwise", "API", "CSV", "AUC", "ECE", "n", "p"}
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
LETTERS = re.compile(r"[^\W\d_]+")
PLACEHOLDER = " "  # stands for a variable or a tag: no letters of its own, and fine inside an HTML tag
LITERAL_ARGUMENT = re.compile(r"""(?:(\w+)=|\|default:)(["'])(.*?)\2""")
# Arguments that name things rather than say them: a CSV table's name, a query string's values.
IDENTIFIER_ARGUMENTS = {"table"}


def _untranslated_source(path: Path) -> tuple[str, list[str]]:
    """The template with translated text, comments and tags taken out (tags become a placeholder),
    and the literal strings passed to includes or filters."""
    kept: list[str] = []
    literals: list[str] = []
    skipping_until: str | None = None
    for token in Lexer(path.read_text()).tokenize():
        content = token.contents
        if skipping_until is not None:
            if token.token_type == TokenType.BLOCK and content.split()[0] == skipping_until:
                skipping_until = None
            continue
        if token.token_type == TokenType.TEXT:
            kept.append(content)
            continue
        kept.append(PLACEHOLDER)
        if token.token_type != TokenType.BLOCK and token.token_type != TokenType.VAR:
            continue
        name = content.split()[0] if content else ""
        if name in {"blocktranslate", "blocktrans"}:
            skipping_until = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
        elif name == "comment":
            skipping_until = "endcomment"
        elif name not in {"translate", "trans", "url", "load", "extends", "static", "if", "elif", "with", "for",
                          "widthratio", "partialdef", "partial", "block", "diary_after_module", "query"} or name == "with":
            literals.extend(_literal_texts(content))
    return "".join(kept), literals


def _literal_texts(content: str) -> list[str]:
    return [text for key, _quote, text in LITERAL_ARGUMENT.findall(content) if key not in IDENTIFIER_ARGUMENTS]


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        self.texts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)
        if tag == "input" and dict(attrs).get("type") in {"submit", "button", "reset"}:
            self.texts.extend(value for name, value in attrs if name == "value" and value)  # a button's words

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.texts.append(data)


def unmarked_text(path: Path) -> list[str]:
    """The pieces of text in ``path`` a reader would see in English whatever their language."""
    source, literals = _untranslated_source(path)
    collector = _TextCollector()
    collector.feed(source)
    collector.close()
    found = []
    for text in collector.texts + literals:
        words = [w for w in LETTERS.findall(text) if w not in ALLOWED_WORDS]
        if words:
            found.append(" ".join(text.split()))
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_it_finds_no_unmarked_text(path: Path) -> None:
    assert unmarked_text(path) == [], f"{path.relative_to(TEMPLATES)}: wrap this text in {{% translate %}}"


def test_the_check_catches_plain_english(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('{% load i18n %}<h1>{% translate "Fine" %}</h1>\n<p>Left in English</p>'
                    '<nav aria-label="Steps">{% blocktranslate %}Also {{ fine }}{% endblocktranslate %}</nav>'
                    '{% include "x.html" with label="Why:" %}<script>let notText = 1;</script>'
                    '{# a comment #}{% comment %}Notes{% endcomment %} Pathwise · {{ value|default:"none" }}'
                    '<input type="hidden" name="back" value="week"><input type="submit" value="Import">')
    assert unmarked_text(page) == ["Left in English", "Steps", "Import", "Why:", "none"]


def test_it_checks_every_template_of_the_learners_pages() -> None:
    names = {str(p.relative_to(TEMPLATES)) for p in CHECKED}
    assert {"base.html", "learning/quiz.html", "diary/diary.html", "accounts/account.html",
            "privacy/account_delete.html", "registration/login.html"} <= names
    assert {"analytics/week.html", "analytics/learner.html", "accounts/team_detail.html", "accounts/two_factor.html",
            "notifications/email/assigned.txt", "notifications/unsubscribe.html", "socialaccount/login.html",
            "lti/deep_link.html"} <= names
    assert len(names) >= 70

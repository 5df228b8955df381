"""Markdown to safe HTML: headings pushed under the page's title, nothing unsafe kept, and a body
that repeats the page's title as its first heading does not show it twice."""

from __future__ import annotations

from lms.content.markdown import markdown_text, render_markdown


def test_headings_sit_under_the_pages_own_title() -> None:
    assert render_markdown("# Cases\n\nText.") == "<h2>Cases</h2>\n<p>Text.</p>"


def test_a_first_heading_repeating_the_title_is_not_shown_twice() -> None:
    body = "\n# What is data?\n\nData is a record.\n\n# What is data? (again, later)\n"
    shown = render_markdown(body, title="what is data? ")
    assert shown.startswith("<p>Data is a record.</p>") and "<h2>What is data? (again, later)</h2>" in shown
    # Its sections move up to sit right under the page's title: no level skipped, never a second h1.
    sections = render_markdown("# What is data?\n\nText.\n\n## Cases\n\n### Rows\n", title="What is data?")
    assert "<h2>Cases</h2>" in sections and "<h3>Rows</h3>" in sections
    # Another first heading, a lower-level one, or no title: the text as written.
    assert render_markdown("# Averages: mean and median\n\nText.", title="Averages").startswith("<h2>Averages: mean")
    assert render_markdown("## What is data?\n\nText.", title="What is data?").startswith("<h3>What is data?</h3>")
    assert render_markdown(body).startswith("<h2>What is data?</h2>")


def test_unsafe_markup_is_removed() -> None:
    shown = render_markdown('<script>alert(1)</script>[x](javascript:alert(1)) <img src="a.png" onerror="x">')
    assert "<script" not in shown and "javascript:" not in shown and "onerror" not in shown


def test_a_one_line_mention_has_the_words_without_the_markup() -> None:
    assert markdown_text("A **continuous** *variable*") == "A continuous variable"

"""Markdown to safe HTML. Authors are trusted less than the code: every rendering is sanitised."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache

import markdown as md
import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "scope"},
    "td": {"align"},
    "abbr": {"title"},
    "code": {"class"},
}


def render_markdown(text: str, image_urls: Mapping[str, str] | None = None, heading_offset: int = 1,
                    title: str = "") -> str:
    """Render Markdown to HTML and sanitise it.

    ``image_urls`` maps package paths such as ``images/chart.svg`` to the addresses the images are
    served from, so a body written for a package shows its images once imported.
    ``heading_offset`` pushes the author's headings down (``#`` becomes ``<h2>`` by default) so the
    page keeps one ``<h1>``, its own title, and a heading outline screen readers can follow.
    The same text renders the same, so recent renderings are kept (a quiz shows the same stems and
    explanations to every learner).
    ``title``: the page's own title; a text that opens with a top-level heading saying the same
    (``# What is data?`` under the page's "What is data?") does not show it a second time, and its
    sections (``##``) then sit right under the page's title (``<h2>``), never lower than a skipped level.
    """
    images = tuple(sorted((image_urls or {}).items()))
    body, dropped = _without_title(text or "", title)
    if heading_offset and dropped:  # the title was the author's "#": their "##" is the page's h2
        return _render(body, images, heading_offset - 1, 2)
    return _render(body, images, heading_offset, 1)


def _without_title(text: str, title: str) -> tuple[str, bool]:
    """``text`` without its first line when that is a top-level heading saying ``title``, and
    whether it was left out."""
    if not title:
        return text, False
    first, _, rest = text.lstrip("\n").partition("\n")
    heading = re.fullmatch(r"#\s+(.*?)\s*#*\s*", first)
    if heading is not None and heading.group(1).strip().casefold() == title.strip().casefold():
        return rest.lstrip("\n"), True
    return text, False


@lru_cache(maxsize=1024)
def _render(text: str, image_urls: tuple[tuple[str, str], ...], heading_offset: int, lowest: int) -> str:
    html = md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    if heading_offset or lowest > 1:
        html = re.sub(
            r"<(/?)h([1-6])(\b[^>]*)>",
            lambda m: f"<{m.group(1)}h{min(6, max(lowest, int(m.group(2)) + heading_offset))}{m.group(3)}>",
            html,
        )
    for package_path, url in image_urls:
        html = html.replace(f'src="{package_path}"', f'src="{url}"')
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def markdown_text(text: str) -> str:
    """The words of a Markdown text without its markup, for one-line mentions (a list of the
    questions answered): ``**continuous** *variable*`` reads "continuous variable"."""
    plain = nh3.clean(render_markdown(text or "", heading_offset=0), tags=set())
    return re.sub(r"\s+", " ", html.unescape(plain)).strip()

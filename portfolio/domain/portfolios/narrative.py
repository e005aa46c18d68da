"""Narratives: candidate-written Markdown rendered to HTML that is safe to show to anyone.

Two layers, so one mistake is not enough for a script to get through:
1. Markdown with raw HTML turned off: typed HTML (a TECH narrative may well talk about
   <script>) is shown as text, not passed through. Headings move down one level, because the
   page around a narrative owns the <h1>. Images become a short note: a narrative shows no
   pictures from other sites (tracking, mixed content); evidence files are artifacts.
2. nh3 (ammonia) cleans the result against an allow-list of tags and attributes, absolute
   http, https and mailto links only, each with rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from portfolio.domain.errors import InvalidInput

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "a"}
    | {"h2", "h3", "h4", "h5", "h6"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
ELLIPSIS = "…"

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    # A relative link would resolve against whichever page shows the narrative.
    url_relative="deny",
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), attributes={})


class _Tidy(Treeprocessor):
    """Moves headings down a level and turns images into a note naming them."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5"}:
                element.tag = f"h{int(element.tag[1]) + 1}"
            elif element.tag == "img":
                alt = element.get("alt", "").strip()
                element.tag = "em"
                element.attrib.clear()
                element.text = f"[image not shown: {alt}]" if alt else "[image not shown]"


class _NarrativeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Tidy(md), "narrative_tidy", 0)


def render_markdown(text: str) -> str:
    """Safe HTML for a candidate's Markdown `text` (tables, fenced code and lists included)."""
    # A Markdown object keeps state between conversions; one per call is simple and thread-safe.
    converter = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", _NarrativeExtension()],
        output_format="html",
    )
    return _CLEANER.clean(converter.convert(text))


def plain_excerpt(text: str, limit: int) -> str:
    """The narrative as plain text (no markup, whitespace collapsed), at most `limit` characters.

    A longer text is cut at a word boundary where one is near and ends with "…". The result is
    text, not HTML: a template escapes it like any other string.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput("An excerpt needs a limit of at least 1 character.", field="limit")
    plain = html.unescape(_TEXT_ONLY.clean(render_markdown(text)))
    plain = re.sub(r"\s+", " ", plain).strip()
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > len(cut) // 2:  # a word boundary near the end: do not cut a word in two
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + ELLIPSIS  # dashes too

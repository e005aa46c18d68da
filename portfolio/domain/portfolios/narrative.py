"""Narratives: candidate-written Markdown rendered to HTML that is safe to show to anyone.

Two layers, so one mistake is not enough for a script to get through:
1. cmark-gfm (GitHub's CommonMark parser, in C, through cmarkgfm) with tables. It is linear in
   its input for every construct (links, emphasis, nested lists and quotes, reference
   definitions, HTML-like text), so 50,000 characters of anything render in milliseconds.
   Typed HTML (a TECH narrative may well talk about <script>) is shown as text: every "<"
   that does not open an autolink reaches the parser as a private-use character that it
   treats as plain text, and is put back as "&lt;" afterwards. Headings move down one level,
   because the page around a narrative owns the <h1>. Images become a short note: a narrative
   shows no pictures from other sites (tracking, mixed content); evidence files are artifacts.
2. nh3 (ammonia) cleans the result against an allow-list of tags and attributes, absolute
   http, https and mailto links only, each with rel="nofollow noopener noreferrer".

Texts are rendered once, when saved, and stored with RENDERER_VERSION beside them; a change of
either library or of the rules here gives a new version, and stored texts are rendered again.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import quote, unquote

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from portfolio.domain.errors import InvalidInput

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "a"}
    | {"h2", "h3", "h4", "h5", "h6"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
ELLIPSIS = "…"
# Bump RULES when this module's output changes for the same input (a new extension, a tag).
RULES = 1
RENDERER_VERSION = f"cmarkgfm {version('cmarkgfm')}; nh3 {version('nh3')}; rules {RULES}"
# Rendering is linear, so a length is a time budget: at this many characters the worst input
# we know of renders in well under 100 ms (tests/unit/test_narrative_bounds.py).
RENDER_LIMIT = 50_000

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

# CommonMark's autolinks (spec 6.5): the only "<" a narrative keeps as markup. Both patterns
# stop at the next "<", so trying them at every "<" stays linear.
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\x00-\x20]*"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>"
)
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# cmark's own output (typed markup never reaches it as markup), so these shapes are exact.
_HEADING_TAG = re.compile(r"<(/?)h([1-5])>")
_IMAGE = re.compile(r'<img src="[^"]*" alt="([^"]*)"(?: title="[^"]*")? />')
# Block containers nest as deep as the text asks ("> > > ..."); html5ever, under nh3, slows down
# with the square of that depth, so deeper ones are flattened first (their text stays).
_CONTAINER_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li)(?: [^>]*)?>")
MAX_DEPTH = 16
# cmark-gfm pads every row of a table to the header's width, so a wide header over many lines
# makes an output far larger than the text (up to half a million cells). Above this many
# possible cells the text renders without tables: the pipes are shown as typed.
MAX_TABLE_CELLS = 10_000
_PRIVATE_USE = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))


def render_markdown(text: str) -> str:
    """Safe HTML for a candidate's Markdown `text` (tables, fenced code and lists included).

    Takes time linear in len(text). InvalidInput when `text` is longer than RENDER_LIMIT."""
    if len(text) > RENDER_LIMIT:
        raise InvalidInput(
            f"The text is {len(text):,} characters long; at most {RENDER_LIMIT:,} can be shown.",
            field="text",
        )
    marker = _unused_character(text)
    source = _hide_typed_markup(text, marker)
    extensions = ["table"] if _table_cells_at_most(text) <= MAX_TABLE_CELLS else []
    # The default options are cmark's safe mode: raw HTML, should any reach it, is omitted and
    # javascript:, vbscript:, file: and data: links lose their address.
    rendered = cmarkgfm.markdown_to_html_with_extensions(
        source, options=Options.CMARK_OPT_DEFAULT, extensions=extensions
    )
    rendered = _flatten_deep_containers(rendered)
    rendered = rendered.replace(marker, "&lt;").replace(quote(marker), "%3C")
    rendered = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", rendered)
    rendered = _IMAGE.sub(_image_note, rendered)
    return _CLEANER.clean(rendered.rstrip("\n"))  # as before: no newline after the last block


def _hide_typed_markup(text: str, marker: str) -> str:
    """`text` with every "<" replaced by `marker`, except those opening an autolink: cmark
    then sees no HTML at all, and its code spans and blocks still show the "<" as typed."""
    pieces: list[str] = []
    start = 0
    for match in _AUTOLINK.finditer(text):
        pieces.append(text[start : match.start()].replace("<", marker))
        pieces.append(match.group(0))
        start = match.end()
    pieces.append(text[start:].replace("<", marker))
    return "".join(pieces)


def _table_cells_at_most(text: str) -> int:
    """An upper bound on the table cells cmark-gfm would make of `text`.

    A table ends at a blank line, has at most one more column than its delimiter row has pipes
    and at most one row per line, so each run of non-blank lines counts its line count times
    (the most pipes on one of its lines + 1); runs without a pipe make no table."""
    cells = 0
    for block in re.split(r"\n[ \t]*\n", text):
        if "|" in block:
            lines = block.split("\n")
            cells += len(lines) * (max(line.count("|") for line in lines) + 1)
    return cells


def _flatten_deep_containers(rendered: str) -> str:
    """cmark's HTML with the quote and list tags nested deeper than MAX_DEPTH left out."""
    pieces: list[str] = []
    kept: list[bool] = []  # one per open container: was its tag kept?
    start = 0
    for match in _CONTAINER_TAG.finditer(rendered):
        if match.group(1):  # a closing tag: cmark's output is always well nested
            keep = kept.pop() if kept else True
        else:
            keep = len(kept) < MAX_DEPTH
            kept.append(keep)
        if not keep:
            pieces.append(rendered[start : match.start()])
            start = match.end()
    if start == 0:
        return rendered
    pieces.append(rendered[start:])
    return "".join(pieces)


def _unused_character(text: str) -> str:
    """A private-use character absent from `text`, also in percent-encoded form (a URL), so
    the marker can never be confused with what the candidate wrote. There are more private-use
    characters than RENDER_LIMIT, so one is always free."""
    used = set(text)
    for run in _PERCENT_RUN.findall(text):
        used.update(unquote(run))
    return next(chr(p) for block in _PRIVATE_USE for p in block if chr(p) not in used)


def _image_note(match: re.Match[str]) -> str:
    alt = match.group(1).strip()  # escaped by cmark already
    return f"<em>[image not shown: {alt}]</em>" if alt else "<em>[image not shown]</em>"


@dataclass(frozen=True)
class Rendered:
    """A text's sanitised HTML and the RENDERER_VERSION that made it, stored beside the text."""

    html: str
    rendered_with: str


def render_for_storage(text: str) -> Rendered:
    """render_markdown(text) with the current RENDERER_VERSION (InvalidInput as there)."""
    return Rendered(render_markdown(text), RENDERER_VERSION)


def is_current(rendered_with: str) -> bool:
    """Whether HTML stored with `rendered_with` is what the current renderer would make."""
    return rendered_with == RENDERER_VERSION


def html_to_show(text: str, stored: Rendered) -> str:
    """The HTML to show for a saved `text`: the stored one, or, when an older renderer made it,
    `text` rendered now (linear, at most RENDER_LIMIT characters) without storing it: the
    caller may be a GET, and `flask portfolios render-markdown` stores it."""
    return stored.html if is_current(stored.rendered_with) else render_markdown(text)


def plain_excerpt(text: str, limit: int) -> str:
    """The narrative as plain text (no markup, whitespace collapsed), at most `limit` characters.

    A longer text is cut at a word boundary where one is near and ends with "…". The result is
    text, not HTML: a template escapes it like any other string.
    """
    return excerpt_of_html(render_markdown(text), limit)


def excerpt_of_html(rendered: str, limit: int) -> str:
    """plain_excerpt of a text from its rendered HTML (as stored), without parsing Markdown."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput("An excerpt needs a limit of at least 1 character.", field="limit")
    plain = html.unescape(_TEXT_ONLY.clean(rendered))
    plain = re.sub(r"\s+", " ", plain).strip()
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > len(cut) // 2:  # a word boundary near the end: do not cut a word in two
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + ELLIPSIS  # dashes too

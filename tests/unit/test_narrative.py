"""Narratives: hostile input renders inert, ordinary Markdown renders as expected.

The output is parsed back with the standard library's HTML parser, as a browser would, so the
tests check which elements and attributes exist rather than hunting for substrings.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidInput
from portfolio.domain.portfolios.narrative import LINK_REL, plain_excerpt, render_markdown


class Parsed(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = markup
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def render(text: str) -> Parsed:
    return Parsed(render_markdown(text))


# What must never reach a page, whatever the module allows: a fixed deny-list, owned by this
# test, so widening the renderer's allow-list cannot quietly widen what passes.
DENIED_TAGS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link"}
    | {"meta", "base", "form", "input", "button", "textarea", "select", "option", "img"}
    | {"svg", "math", "video", "audio", "source", "track", "picture", "canvas", "template"}
    | {"noscript", "xmp", "plaintext", "isindex", "marquee", "portal", "dialog", "image"}
)
DENIED_ATTRIBUTES = frozenset(
    {"style", "src", "srcset", "srcdoc", "action", "formaction", "background", "poster"}
    | {"xmlns", "xlink:href", "dynsrc", "lowsrc", "ping", "id", "name", "form"}
)  # plus every on* event handler; id and name would let a narrative clobber the page's DOM
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "cite"})
DENIED_SCHEMES = ("javascript:", "data:", "vbscript:", "file:", "blob:")
DENIED_ELEMENT = re.compile(r"<\s*/?\s*(?:" + "|".join(sorted(DENIED_TAGS)) + r")\b", re.I)
# Inside a tag, once its quoted values are set aside: an event handler or inline CSS.
DENIED_IN_TAG = re.compile(r"[\s/\"'](?:on\w+|style)\s*=", re.IGNORECASE)
LINK_REL_NEEDED = {"nofollow", "noopener", "noreferrer"}


def url_scheme(value: str) -> str:
    """The scheme a browser would see: entities decoded, whitespace and controls dropped."""
    return re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()


def assert_inert(page: Parsed) -> None:
    """Nothing that runs, loads, styles or submits: no denied element, attribute or URL."""
    # The markup as written, before any parser forgives it: text escapes "<" (and attribute
    # values escape '"'), so every "<" starts a tag and a quoted value is only text.
    assert not DENIED_ELEMENT.search(page.markup), page.markup
    for tag in re.findall(r"<[^<>]*>?", page.markup):
        assert not DENIED_IN_TAG.search(re.sub(r'"[^"]*"', '""', tag)), tag
    for tag, attrs in page.elements:
        assert tag not in DENIED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in DENIED_ATTRIBUTES, (tag, name)
            if name in URL_ATTRIBUTES and value is not None:
                assert not url_scheme(value).startswith(DENIED_SCHEMES), (tag, name, value)
    for link in page.all("a"):
        href = link.get("href")
        if href is not None:  # absolute, to the web or an address: nothing relative to the page
            assert url_scheme(href).startswith(("http://", "https://", "mailto:")), href
        assert set((link.get("rel") or "").split()) >= LINK_REL_NEEDED, link


# --- hostile input, one case each -------------------------------------------------------------


def test_script_element_is_shown_as_text_and_never_runs() -> None:
    page = render("Hello <script>alert(1)</script>")
    assert "script" not in page.tags
    assert page.text.strip() == "Hello <script>alert(1)</script>"
    assert_inert(page)


def test_javascript_link_loses_its_href() -> None:
    page = render("[click](javascript:alert(1))")
    assert page.all("a") == [{"rel": LINK_REL}]
    assert_inert(page)


def test_javascript_link_in_disguise_loses_its_href() -> None:
    page = render("[a](JaVaScRiPt:alert(1)) [b]( javascript:alert(1)) [c](java&#09;script:x)")
    assert all("href" not in link for link in page.all("a"))
    assert_inert(page)


def test_javascript_reference_link_loses_its_href() -> None:
    page = render("[click][evil]\n\n[evil]: javascript:alert(1)")
    assert all("href" not in link for link in page.all("a"))


def test_data_link_loses_its_href() -> None:
    page = render("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")
    assert page.all("a") == [{"rel": LINK_REL}]


def test_onerror_attribute_is_never_an_attribute() -> None:
    page = render('<img src="x" onerror="alert(1)">')
    assert page.tags == ["p"]
    assert_inert(page)


def test_onclick_attribute_is_never_an_attribute() -> None:
    page = render(
        '<a href="http://a.example" onclick="alert(1)">x</a>\n\n*x*{: onclick="alert(1)"}'
    )
    assert all("onclick" not in attrs for _, attrs in page.elements)
    assert_inert(page)


def test_nested_and_malformed_html_stays_text() -> None:
    page = render("<scr<script>ipt>alert(1)</scr</script>ipt> <<b>b>x <div><p>open <i>unclosed")
    assert set(page.tags) == {"p"}
    assert_inert(page)


def test_link_title_cannot_break_out_of_its_attribute() -> None:
    page = render('[x](http://a.example "a\\" onmouseover=\\"alert(1)")')
    (link,) = page.all("a")
    assert set(link) == {"href", "title", "rel"}
    assert link["href"] == "http://a.example"
    assert "onmouseover" in (link["title"] or "")  # kept as harmless text inside the title
    assert_inert(page)


def test_raw_img_element_is_not_rendered() -> None:
    page = render("<img src=http://tracker.example/pixel.gif>")
    assert "img" not in page.tags


def test_markdown_image_becomes_a_note_without_loading_anything() -> None:
    page = render("![Our new reading room](http://photos.example/room.jpg)")
    assert "img" not in page.tags
    assert "http://photos.example" not in render_markdown("![x](http://photos.example/a.jpg)")
    assert page.text.strip() == "[image not shown: Our new reading room]"


def test_iframe_is_not_rendered() -> None:
    page = render('<iframe src="http://evil.example"></iframe>')
    assert "iframe" not in page.tags
    assert_inert(page)


def test_style_element_is_not_rendered() -> None:
    page = render("<style>body { display: none }</style>\n\nText")
    assert "style" not in page.tags
    assert_inert(page)


def test_relative_link_loses_its_href() -> None:
    page = render("[delete](/admin/users/1/delete)")
    assert page.all("a") == [{"rel": LINK_REL}]


# --- ordinary Markdown -----------------------------------------------------------------------


def test_headings_move_down_one_level_below_the_page_title() -> None:
    page = render("# Approach\n\n## Evidence\n\n###### Deepest")
    assert page.tags == ["h2", "h3", "h6"]


def test_lists_render() -> None:
    page = render("- one\n- two\n\n1. first\n2. second")
    assert page.tags == ["ul", "li", "li", "ol", "li", "li"]


def test_links_render_with_rel() -> None:
    page = render('[ALA](https://www.ala.org/ "American Library Association") <me@example.org>')
    assert page.all("a") == [
        {"href": "https://www.ala.org/", "title": "American Library Association", "rel": LINK_REL},
        {"href": "mailto:me@example.org", "rel": LINK_REL},
    ]


def test_emphasis_and_code_render() -> None:
    page = render("*weeding* and **shelving** with `MARC 245`")
    assert page.tags == ["p", "em", "strong", "code"]
    assert page.text == "weeding and shelving with MARC 245"


def test_fenced_code_renders_as_a_block_and_keeps_markup_as_text() -> None:
    page = render("```html\n<b>bold</b>\n```")
    assert page.tags == ["pre", "code"]
    assert page.text == "<b>bold</b>\n"


def test_tables_and_quotes_render() -> None:
    page = render("| Day | Hours |\n|---|---|\n| Mon | 4 |\n\n> a patron said")
    assert {"table", "thead", "tbody", "tr", "th", "td", "blockquote"} <= set(page.tags)


# --- any input ----------------------------------------------------------------------------------

# Known cross-site scripting payloads (after the OWASP filter-evasion cheat sheet), raw and inside
# the Markdown constructs a narrative may use.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<script/xss src=http://xss.example/x.js></script>",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<IMG SRC="javascript:alert(1);">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(1)`>",
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    "<img src=x onerror=alert(1)>",
    "<img/src/onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="http://xss.example/x.swf">',
    "<style>@import 'http://xss.example/x.css';</style>",
    '<link rel="stylesheet" href="http://xss.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<td onmouseover="alert(1)">x</td>',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    '[x](http://a.example "title" onclick="alert(1)")',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    '![x](http://a.example/a.png"onerror="alert(1))',
    '![x"onerror="alert(1)](http://a.example/a.png)',
    '*x*{: onclick="alert(1)"}',
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "> <iframe src=http://xss.example>",
    "# <img src=x onerror=alert(1)>",
]

# Pieces hostile input is made of, for hypothesis to combine in any order and nesting.
HOSTILE_PIECES = [
    "<script>",
    "</script>",
    "<script ",
    "<SCRIPT",
    "<scr",
    "ipt>",
    "<iframe",
    "<object",
    "<embed",
    "<style>",
    "</style>",
    "<form",
    "<input",
    "<svg",
    "<img",
    "<a ",
    "</a>",
    "<p ",
    " src=",
    " href=",
    " onerror=",
    " onload=",
    " onclick=",
    " OnMouseOver=",
    " style=",
    " formaction=",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "&#106;avascript:",
    "javascript&colon;",
    "data:text/html,",
    "vbscript:",
    "alert(1)",
    '"',
    "'",
    "`",
    ">",
    "<",
    "/",
    "=",
    "&",
    "&#",
    ";",
    " ",
    "\n",
    "\n\n",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "{: ",
    "}",
    "*",
    "_",
    "#",
    "> ",
    "- ",
    "1. ",
    "```",
    "|",
    "|---|",
    "\\",
    "http://a.example/",
    "x",
    "\x00",
    "\u200b",
    "\ufeff",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.sampled_from(XSS_PAYLOADS), st.text(max_size=5)),
    max_size=25,
).map("".join)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_known_xss_payloads_render_inert(payload: str) -> None:
    assert_inert(render(payload))
    assert_inert(render(f"Some text {payload} more text\n\n- {payload}\n\n> {payload}"))


@settings(max_examples=300)
@given(hostile_text)
def test_any_hostile_markdown_or_html_renders_inert(text: str) -> None:
    assert_inert(render(text))


@given(st.text(max_size=200))
def test_any_text_renders_inert(text: str) -> None:
    assert_inert(render(text))


# --- excerpts ---------------------------------------------------------------------------------


def test_excerpt_is_plain_text() -> None:
    assert plain_excerpt("## Intro\n\n**Bold** and *em* & [a link](http://a.example)", 80) == (
        "Intro Bold and em & a link"
    )


def test_short_excerpt_is_unchanged() -> None:
    assert plain_excerpt("Shelving", 8) == "Shelving"


def test_long_excerpt_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "I reorganised the children's picture books by series and theme"
    assert plain_excerpt(text, 30) == "I reorganised the children's…"


def test_excerpt_shows_typed_markup_as_text() -> None:
    assert plain_excerpt("<script>alert(1)</script>", 100) == "<script>alert(1)</script>"


@pytest.mark.parametrize("limit", [0, -1, True])
def test_excerpt_limit_below_one_is_invalid_input(limit: int) -> None:
    with pytest.raises(InvalidInput):
        plain_excerpt("text", limit)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_excerpt_never_exceeds_its_limit(text: str, limit: int) -> None:
    assert len(plain_excerpt(text, limit)) <= limit

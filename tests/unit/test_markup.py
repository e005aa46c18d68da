"""Markup passed off as plain text is refused as a class: XHTML, SVG and MathML with any
prefix, any case, any spacing, character references, comments, BOMs and text in front."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portfolio.domain.uploads.filetypes import FileFamily, FileTypeRefused, detect_type

XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
MATHML = "http://www.w3.org/1998/Math/MathML"
NAMESPACES = {XHTML: "html", SVG: "svg", MATHML: "html"}

prefixes = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
spaces = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n "])
leads = st.sampled_from(["", "\ufeff", "\ufeff\ufeff", "\n\n  ", "\t", "\ufeff \r\n"])
comments = st.sampled_from(["", "<!-- x -->", "<!---->\n", "<?xml version='1.0'?>\n"])
quotes = st.sampled_from(['"', "'"])
# What sits in front of a declaration that is not at the start of the file.
prose = st.text(st.characters(blacklist_characters="<&\x00", codec="utf-8"), max_size=40)


def refused_code(text: str, name: str = "notes.txt") -> str:
    with pytest.raises(FileTypeRefused) as caught:
        detect_type(text.encode("utf-8"), name)
    return caught.value.code


@st.composite
def mixed_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def char_references(draw: st.DrawFn, text: str) -> str:
    """Some characters written as &#NN; or &#xHH; (an XML parser decodes them in values)."""
    out = []
    for ch in text:
        form = draw(st.sampled_from(["plain", "plain", "decimal", "hex"]))
        out.append(
            ch if form == "plain" else f"&#{ord(ch)};" if form == "decimal" else f"&#x{ord(ch):x};"
        )
    return "".join(out)


@st.composite
def namespace_values(draw: st.DrawFn) -> tuple[str, str]:
    namespace = draw(st.sampled_from(sorted(NAMESPACES)))
    value = draw(mixed_case(namespace))
    value = draw(char_references(value))
    return draw(spaces) + value + draw(st.sampled_from(["", "/"])) + draw(spaces), namespace


@settings(max_examples=150, deadline=None)
@given(
    lead=leads,
    comment=comments,
    prefix=prefixes,
    root=st.sampled_from(["html", "svg", "math", "x", "doc"]),
    value=namespace_values(),
    quote=quotes,
    before=spaces,
    after=spaces,
)
@example(  # the report's own example
    lead="",
    comment="",
    prefix="x",
    root="html",
    value=(XHTML, XHTML),
    quote='"',
    before="",
    after="",
)
def test_a_document_with_a_prefixed_root_and_a_namespace_is_refused(
    lead, comment, prefix, root, value, quote, before, after
) -> None:
    declared, _namespace = value
    document = (
        f"{lead}{comment}<{prefix}:{root} xmlns:{prefix}{before}={after}{quote}{declared}{quote}>"
        f"<{prefix}:script>alert(1)</{prefix}:script></{prefix}:{root}>"
    )
    assert refused_code(document) in {"html", "svg", "xml"}


@settings(max_examples=150, deadline=None)
@given(
    text_before=prose,
    prefix=prefixes,
    tag=st.sampled_from(["p", "div", "span", "g", "mi", "foo"]),
    value=namespace_values(),
    quote=quotes,
    default=st.booleans(),
)
def test_a_namespace_declaration_anywhere_is_refused(
    text_before, prefix, tag, value, quote, default
) -> None:
    declared, namespace = value
    attribute = "xmlns" if default else f"xmlns:{prefix}"
    document = f"Notes for the reviewer.\n{text_before}\n<{prefix}:{tag} {attribute}={quote}"
    document += f"{declared}{quote}>hello"
    assert refused_code(document) == NAMESPACES[namespace]


@settings(max_examples=100, deadline=None)
@given(
    text_before=prose,
    prefix=prefixes,
    tag=st.sampled_from(["script", "html", "svg", "iframe", "body", "foreignObject", "math"]),
    case=st.data(),
)
def test_a_prefixed_active_element_anywhere_is_refused(text_before, prefix, tag, case) -> None:
    # Even with its namespace declared beyond the sniffed sample, or not at all.
    element = case.draw(mixed_case(f"<{prefix}:{tag}"))
    assert refused_code(f"Dear reviewer,\n{text_before}{element}>alert(1)") in {"html", "svg"}


@settings(max_examples=100, deadline=None)
@given(
    lead=leads, comment=comments, name=st.from_regex(r"[A-Za-z_][A-Za-z0-9]{0,8}", fullmatch=True)
)
def test_any_document_starting_with_a_tag_is_refused(lead, comment, name) -> None:
    assert refused_code(f"{lead}{comment}<{name}>text</{name}>") in {"html", "svg", "xml"}


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_characters="<\x00", codec="utf-8"), min_size=1))
def test_text_without_tags_stays_plain_text(text: str) -> None:
    detected = detect_type(("Reference desk log\n" + text).encode("utf-8"), "log.txt")
    assert (detected.mime, detected.family) == ("text/plain", FileFamily.TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "I <3 the reference desk; 2 < 3 and 5 > 4.",
        "See <https://example.org/guide> and <mailto:desk@example.org>.",
        "Notes: the namespace of XHTML is a URL, but nothing here declares it.",
        "Call number <QA76.9> shelved.",
    ],
)
def test_ordinary_text_with_angle_brackets_is_accepted(text: str) -> None:
    assert detect_type(text.encode(), "notes.txt").mime == "text/plain"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('<x:html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>alert(1)</x:script>', "html"),
        ("\ufeff<!--a-->\n<X:SVG XMLNS:X='HTTP://WWW.W3.ORG/2000/SVG'/>", "svg"),
        ('hi <m:math xmlns:m="http://www.w3.org/1998/Math/MathML">', "html"),
        ('hi <p xmlns = " http://www.w3.org/1999/&#x78;html ">', "html"),
        ('hi <q:p xmlns:q="https://www.w3.org/2000/svg/">', "svg"),
        ("</p> a page cut off at the front", "html"),
        ("<note>hi</note>", "xml"),
    ],
)
def test_namespaced_markup_examples_are_refused(text: str, code: str) -> None:
    assert refused_code(text) == code

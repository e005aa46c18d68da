"""Whether a text file is really markup some program would render: HTML, XHTML, SVG, MathML, XML.

A file accepted as plain text must never be a page a browser or an XML viewer runs scripts in,
so the check is by class, not by a list of strings an attacker can step around:
- a document whose first significant character opens a tag, a comment, a declaration or a
  processing instruction is markup (an XML parser accepts nothing else in front of the root
  element, so every XHTML, SVG or MathML document starts this way, whatever its prefixes);
- anywhere in the text, a declaration of the XHTML, SVG or MathML namespace (`xmlns` or
  `xmlns:prefix`, in any case, with any spacing and character references in the value);
- anywhere in the text, a tag that makes an HTML parser start a page or run a script
  (`<script`, `<svg`, `<html`, `<iframe`), with or without a namespace prefix (`<x:script`).
Letters are compared without case: HTML ignores it, and refusing "<X:HTML" costs nothing.
"""

from __future__ import annotations

import enum
import html
import re


class MarkupKind(enum.StrEnum):
    HTML = "html"
    SVG = "svg"
    XML = "xml"
    SCRIPT = "script"
    RTF = "rtf"


# Namespace names as they appear once spaces are dropped and the text is lowercased.
_NAMESPACES = {
    "www.w3.org/1999/xhtml": MarkupKind.HTML,
    "www.w3.org/2000/svg": MarkupKind.SVG,
    "www.w3.org/1998/math/mathml": MarkupKind.HTML,
}
# Elements that start a page, run a script or pull in other content, in any of the three
# languages: found anywhere with a prefix, they mark the text as markup.
_ACTIVE = "html head body script style iframe frame frameset object embed applet svg math "
_ACTIVE += "foreignobject animate set handler listener template annotation-xml maction"
_ACTIVE_ELEMENTS = frozenset(_ACTIVE.split(" "))
# Found anywhere without a prefix (as the WHATWG sniffing standard and browsers treat them).
_ANYWHERE = {"<svg": MarkupKind.SVG, "<script": MarkupKind.HTML, "<html": MarkupKind.HTML}
_ANYWHERE |= {"<iframe": MarkupKind.HTML}
# Tags that make a browser treat a document as HTML when they open it (WHATWG sniffing).
_HTML = "html head script iframe h1 div font table a style title b body br p meta link object "
_HTML += "embed form img svg math"
_HTML_TAGS = frozenset(_HTML.split(" "))

_XMLNS = re.compile(r"""xmlns(?::[^\s=>/]*)?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PREFIXED_TAG = re.compile(r"<[^\s<>/:!?=\"']*:([a-z_][a-z0-9_.\-]*)")
_LEADING_TAG = re.compile(r"<(?:([^\s<>/:!?=\"']*):)?([a-z_][a-z0-9_.\-]*)")
_BOM = "\ufeff"


def markup_kind(head: bytes) -> MarkupKind | None:
    """The kind of markup the UTF-8 text `head` is, or None for plain text.

    `head` is the start of the file (the sniffed sample); it may end inside a character."""
    text = head.decode("utf-8", errors="ignore").lower()
    return _anywhere(text) or _at_start(text.lstrip(_BOM + " \t\r\n\x0c").lstrip())


def _anywhere(text: str) -> MarkupKind | None:
    for needle, kind in _ANYWHERE.items():
        if needle in text:
            return kind
    for match in _XMLNS.finditer(text):
        declared = namespace_kind(match.group(1) if match.group(1) is not None else match.group(2))
        if declared is not None:
            return declared
    for match in _PREFIXED_TAG.finditer(text):
        local = match.group(1)
        if local in _ACTIVE_ELEMENTS:
            return MarkupKind.SVG if local == "svg" else MarkupKind.HTML
    return None


def namespace_kind(value: str) -> MarkupKind | None:
    """The markup a namespace declaration's value selects, or None for other namespaces.

    Character references are decoded and spaces dropped first, as an XML parser would see it
    (and a little more: "https", a trailing slash and any case still count)."""
    name = "".join(html.unescape(value).split()).lower()
    name = name.removeprefix("http://").removeprefix("https://").rstrip("/")
    return _NAMESPACES.get(name)


def _at_start(text: str) -> MarkupKind | None:
    if text.startswith(("<?php", "<%", "#!")):
        return MarkupKind.SCRIPT
    if text.startswith("{\\rtf"):
        return MarkupKind.RTF
    if text.startswith(("<!--", "<!doctype html")):
        return MarkupKind.HTML
    if re.match(r"</[a-z]", text):
        return MarkupKind.HTML  # a closing tag: the start of the document was cut off
    if text.startswith(("<?", "<!")):
        return MarkupKind.XML  # an XML declaration, a doctype, a CDATA section or a PI
    tag = _LEADING_TAG.match(text)
    if tag is None:
        return None
    local = tag.group(2)
    if local == "svg":
        return MarkupKind.SVG
    return MarkupKind.HTML if local in _HTML_TAGS else MarkupKind.XML

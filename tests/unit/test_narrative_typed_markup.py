"""Typed markup is shown as text wherever it appears, and the character that carries each "<"
through the parser never shows and never changes what the candidate wrote."""

from __future__ import annotations

import pytest

from portfolio.domain.portfolios.narrative import LINK_REL, render_markdown


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("a <!-- hidden --> b", "<p>a &lt;!-- hidden --&gt; b</p>"),
        ("<div>\nblock\n</div>", "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>"),
        ("`<b>` code", "<p><code>&lt;b&gt;</code> code</p>"),
        ("```\n<i>x</i>\n```", "<pre><code>&lt;i&gt;x&lt;/i&gt;\n</code></pre>"),
        ("<?php x ?> <![CDATA[y]]>", "<p>&lt;?php x ?&gt; &lt;![CDATA[y]]&gt;</p>"),
        ("![a <b> c](http://x.example/y.png)", "<p><em>[image not shown: a &lt;b&gt; c]</em></p>"),
        ("![](http://x.example/y.png)", "<p><em>[image not shown]</em></p>"),
    ],
)
def test_typed_markup_is_text(text: str, html: str) -> None:
    assert render_markdown(text) == html


def test_a_less_than_sign_in_a_link_is_percent_encoded_as_a_browser_would() -> None:
    assert render_markdown("[x](http://a.example/<b>)") == (
        f'<p><a href="http://a.example/%3Cb%3E" rel="{LINK_REL}">x</a></p>'
    )


def test_a_less_than_sign_in_a_link_title_stays_text_in_the_attribute() -> None:
    assert render_markdown('[x](http://a.example "a <b>")') == (
        f'<p><a href="http://a.example" title="a &lt;b&gt;" rel="{LINK_REL}">x</a></p>'
    )


def test_autolinks_stay_links() -> None:
    assert render_markdown("<me@example.org> <https://a.example/x>") == (
        f'<p><a href="mailto:me@example.org" rel="{LINK_REL}">me@example.org</a> '
        f'<a href="https://a.example/x" rel="{LINK_REL}">https://a.example/x</a></p>'
    )


@pytest.mark.parametrize("character", ["\ue000", "\ue001", "\U000f0000"])
def test_private_use_characters_the_candidate_typed_are_kept(character: str) -> None:
    assert render_markdown(f"{character} <x>") == f"<p>{character} &lt;x&gt;</p>"


def test_a_typed_percent_encoding_of_a_private_use_character_is_kept() -> None:
    assert render_markdown("[x](http://a.example/%EE%80%80<)") == (
        f'<p><a href="http://a.example/%EE%80%80%3C" rel="{LINK_REL}">x</a></p>'
    )

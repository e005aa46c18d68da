"""Text people type, as it is kept: rules that hold for any name or title."""

from __future__ import annotations

import re

# Embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    """`text` without the characters that reorder what is shown after them: a right-to-left
    override in a course title or a person's name reversed the rest of the line it appeared on
    ("Draft: (version 1)" read backwards), and can make one name pass for another. Right-to-left
    writing still shows right to left: its letters carry their own direction."""
    return BIDI_CONTROLS.sub("", text)


def one_line(value: object) -> str:
    """A name or title as kept: without bidi controls, its runs of space (line breaks and tabs
    included) made one space, none at either end; "" for anything but text."""
    return " ".join(without_bidi_controls(value).split()) if isinstance(value, str) else ""

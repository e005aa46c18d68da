"""The HTML of a submission's texts, kept beside its frozen snapshot so no page parses Markdown.

A snapshot holds the learning statement and narratives exactly as submitted, and its SHA-256
covers those bytes. Their HTML is derived from them, so it lives apart (Submission.snapshot_html,
with the renderer in Submission.snapshot_html_rendered_with): rendering it again for a new
renderer changes neither the evidence nor its fingerprint. The stored document:

    {"for": "<the snapshot's SHA-256>", "learning_statement": "<p>…</p>",
     "narratives": {"F1": "<p>…</p>", ...}}

"for" ties the HTML to the one snapshot it was made from; HTML for another snapshot, of another
renderer, or of a shape this module never wrote is not shown: the text is rendered in memory
instead (linear, bounded by RENDER_LIMIT), and `flask portfolios render-markdown` stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from portfolio.domain.portfolios.narrative import RENDER_LIMIT, is_current, render_markdown
from portfolio.domain.portfolios.snapshot_views import Snapshot

TOO_LONG_TO_SHOW = (
    f'<p class="muted">This text is longer than {RENDER_LIMIT:,} characters, so it is not '
    "shown here.</p>"
)


@dataclass(frozen=True)
class SnapshotHtml:
    """Sanitised HTML for a snapshot's learning statement and for each competency's narrative."""

    learning_statement: str
    narratives: Mapping[str, str]

    def narrative(self, code: str) -> str:
        """The narrative's HTML ("" for a competency the snapshot has no narrative for)."""
        return self.narratives.get(code, "")


def render_text(text: str) -> str:
    """Safe HTML for `text`, or a note when it is longer than anything the renderer takes (no
    snapshot holds one today; the limits on saving are lower)."""
    return TOO_LONG_TO_SHOW if len(text) > RENDER_LIMIT else render_markdown(text)


def build_snapshot_html(
    snapshot: Snapshot, fingerprint: str, known: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The document to store with a new submission: each text's HTML, taken from `known` (text
    -> HTML the current renderer made, e.g. what was stored when the text was saved) or
    rendered now."""
    known = known or {}

    def html_of(text: str) -> str:
        found = known.get(text)
        return found if found is not None else render_text(text)

    return {
        "for": fingerprint,
        "learning_statement": html_of(snapshot.learning_statement),
        "narratives": {entry.code: html_of(entry.narrative) for entry in snapshot.competencies},
    }


def html_to_show(
    snapshot: Snapshot,
    fingerprint: str,
    stored: object,
    rendered_with: str,
    render: Callable[[str], str] = render_text,
) -> SnapshotHtml:
    """What a page shows for `snapshot` (already read strictly, with its `fingerprint`): the
    stored HTML when the current renderer made it for this snapshot, otherwise each text
    rendered now with `render`, never written back (the caller may be a GET)."""
    usable = _usable(stored, fingerprint, snapshot) if is_current(rendered_with) else None
    if usable is not None:
        return usable
    return SnapshotHtml(
        learning_statement=render(snapshot.learning_statement),
        narratives={entry.code: render(entry.narrative) for entry in snapshot.competencies},
    )


def _usable(stored: object, fingerprint: str, snapshot: Snapshot) -> SnapshotHtml | None:
    """The stored document as SnapshotHtml if it is one this module wrote for `snapshot`."""
    if not isinstance(stored, Mapping) or stored.get("for") != fingerprint:
        return None
    statement, narratives = stored.get("learning_statement"), stored.get("narratives")
    if not isinstance(statement, str) or not isinstance(narratives, Mapping):
        return None
    codes = {entry.code for entry in snapshot.competencies}
    if set(narratives) != codes or not all(isinstance(v, str) for v in narratives.values()):
        return None
    return SnapshotHtml(learning_statement=statement, narratives=dict(narratives))

"""A candidate's portfolio entries: list them, read one, and edit one's narrative.

An edit goes through the same service as the page's Save and autosave
(services.portfolios.entries.update_narrative): the same length limit, the same optimistic
locking on the entry's version, the same refusal once the set or the enrollment is finished,
and the same audit event when it starts a draft. Another person's entry answers 404, as on the
pages.
"""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.domain.errors import Conflict, StaleVersion
from portfolio.extensions import db
from portfolio.models import PortfolioEntry
from portfolio.services.portfolios import entries as portfolios
from portfolio.services.portfolios.own import find_entry, own_entries
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires, token_owner
from portfolio.web.api.schemas import EntryOut, EntryPage, NarrativeEdit, OwnListQuery
from portfolio.web.api.spec import answers, api_spec, before_body

# The service's own message speaks to the page ("your text is shown below"); a script is told
# what to do instead.
READ_AGAIN = (
    "This entry was saved since the version you sent (in another tab, or by another script), "
    "so nothing was written. Read the entry again (GET {path}) and send your change with its "
    "current version."
)


def _own_entry(entry_id: int) -> PortfolioEntry:
    """The caller's entry; 404 for a missing one and for anyone else's alike."""
    found = find_entry(db.session, entry_id)
    return access.owned(found, lambda e: e.portfolio.enrollment.user_id)


@bp.get("/portfolio/entries")
@api_spec.validate(query=OwnListQuery, resp=answers(EntryPage), tags=["portfolio"])
@requires(Scope.READ_PORTFOLIO)
def entries() -> EntryPage:
    """The entries of your portfolios: one per competency, with its narrative.
    Scope: read:portfolio."""
    asked = request.context.query  # type: ignore[attr-defined]
    page = pages.fetch("entries", own_entries(db.session, token_owner()), asked, {})
    return EntryPage(items=[entry_out(e) for e in page.rows], next_cursor=page.next_cursor)


@bp.get("/portfolio/entries/<int:entry_id>")
@api_spec.validate(resp=answers(EntryOut), tags=["portfolio"])
@requires(Scope.READ_PORTFOLIO)
def entry(entry_id: int) -> EntryOut:
    """One entry of your portfolio, with its current version. Scope: read:portfolio."""
    return entry_out(_own_entry(entry_id))


@bp.put("/portfolio/entries/<int:entry_id>")
@api_spec.validate(
    json=NarrativeEdit,
    resp=answers(EntryOut, edits=True),
    tags=["portfolio"],
    before=before_body,
    validation_error_status=422,
)
@requires(Scope.WRITE_PORTFOLIO)
def edit_entry(entry_id: int) -> EntryOut:
    """Replace the narrative of one of your entries. Scope: write:portfolio.

    Send the whole narrative and the entry's `version` as you last read it; the answer is the
    entry as saved, with its new version for your next edit. 409 when the entry was saved since
    that version (read it again; nothing was written), and 409 too when its set is met or
    closed, the set is no longer one you take, or your enrollment is certified or closed
    (`detail` says which). A set waiting on reviewers may still be edited: the edit changes
    your draft, never the submission the reviewers see. 422 for a narrative too long or a
    field of the wrong type, missing or unknown; 400 for a body that is not a JSON object.
    """
    edit: NarrativeEdit = request.context.json  # type: ignore[attr-defined]
    found = _own_entry(entry_id)
    try:
        portfolios.update_narrative(
            db.session, found, edit.narrative, edit.version, actor=token_owner()
        )
    except StaleVersion:
        raise Conflict(READ_AGAIN.format(path=request.path), field="version") from None
    return entry_out(found)


def entry_out(found: PortfolioEntry) -> EntryOut:
    return EntryOut(
        id=found.id,
        competency_code=found.competency.code,
        competency_title=found.competency.title,
        narrative=found.narrative,
        artifact_ids=[a.id for a in found.artifacts],
        updated_at=found.updated_at,
        version=found.version,
    )

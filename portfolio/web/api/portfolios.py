"""A candidate's portfolios: list them, read one, and edit one's learning statement.

An edit goes through the same service as the page's Save and autosave
(services.portfolios.entries.update_learning_statement): the same length limit, the same
optimistic locking on the portfolio's version, and the same refusal once the enrollment is
certified or closed. Another person's portfolio answers 404, as on the pages.
"""

from __future__ import annotations

from flask import request, url_for

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.domain.errors import Conflict, InvalidInput, StaleVersion
from portfolio.extensions import db
from portfolio.models import Portfolio
from portfolio.services.portfolios.entries import update_learning_statement
from portfolio.services.portfolios.own import find_portfolio_by_id, own_portfolios
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires, token_owner
from portfolio.web.api.schemas import OwnListQuery, PortfolioOut, PortfolioPage, StatementEdit
from portfolio.web.api.spec import answers, api_spec, before_body

# The service's own message speaks to the page ("your text is shown below"); a script is told
# what to do instead.
READ_AGAIN = (
    "This learning statement was saved since the version you sent (in another tab, or by "
    "another script), so nothing was written. Read the portfolio again (GET {path}) and send "
    "your change with its current version."
)
# The service names the page's form field; the API's body calls it `statement`.
SERVICE_FIELD = "learning_statement"


def _own_portfolio(portfolio_id: int) -> Portfolio:
    """The caller's portfolio; 404 for a missing one and for anyone else's alike."""
    found = find_portfolio_by_id(db.session, portfolio_id)
    return access.owned(found, lambda p: p.enrollment.user_id)


@bp.get("/portfolios")
@api_spec.validate(query=OwnListQuery, resp=answers(PortfolioPage), tags=["portfolio"])
@requires(Scope.READ_PORTFOLIO)
def portfolios() -> PortfolioPage:
    """Your portfolios, one per enrollment that has one, with the learning statement.
    Scope: read:portfolio."""
    asked = request.context.query  # type: ignore[attr-defined]
    page = pages.fetch("portfolios", own_portfolios(db.session, token_owner()), asked, {})
    return PortfolioPage(items=[portfolio_out(p) for p in page.rows], next_cursor=page.next_cursor)


@bp.get("/portfolios/<int:portfolio_id>")
@api_spec.validate(resp=answers(PortfolioOut), tags=["portfolio"])
@requires(Scope.READ_PORTFOLIO)
def portfolio(portfolio_id: int) -> PortfolioOut:
    """One of your portfolios, with its learning statement and current version.
    Scope: read:portfolio."""
    return portfolio_out(_own_portfolio(portfolio_id))


@bp.put("/portfolios/<int:portfolio_id>/learning-statement")
@api_spec.validate(
    json=StatementEdit,
    resp=answers(PortfolioOut, edits=True),
    tags=["portfolio"],
    before=before_body,
    validation_error_status=422,
)
@requires(Scope.WRITE_PORTFOLIO)
def edit_learning_statement(portfolio_id: int) -> PortfolioOut:
    """Replace the learning statement of one of your portfolios. Scope: write:portfolio.

    Send the whole statement and the portfolio's `version` as you last read it; the answer is
    the portfolio as saved, with its new version for your next edit. 409 when the statement was
    saved since that version (read the portfolio again; nothing was written), and 409 too when
    your enrollment is certified or closed (`detail` says so). Submissions already sent keep
    the statement as it was. 422 for a statement too long or a field of the wrong type, missing
    or unknown; 400 for a body that is not a JSON object.
    """
    edit: StatementEdit = request.context.json  # type: ignore[attr-defined]
    found = _own_portfolio(portfolio_id)
    try:
        update_learning_statement(
            db.session, found, edit.statement, edit.version, actor=token_owner()
        )
    except StaleVersion:
        path = url_for("api.portfolio", portfolio_id=found.id)
        raise Conflict(READ_AGAIN.format(path=path), field="version") from None
    except InvalidInput as refused:
        if refused.field != SERVICE_FIELD:
            raise
        raise InvalidInput(refused.message, field="statement") from None
    return portfolio_out(found)


def portfolio_out(found: Portfolio) -> PortfolioOut:
    return PortfolioOut(
        id=found.id,
        enrollment_id=found.enrollment_id,
        program=found.enrollment.framework.slug,
        program_version=found.enrollment.framework.version,
        learning_statement=found.learning_statement,
        updated_at=found.updated_at,
        version=found.version,
    )

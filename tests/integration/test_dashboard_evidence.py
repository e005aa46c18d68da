"""The dashboard shows, per competency of each portfolio set, the evidence gathered so far."""

from __future__ import annotations

import re

from sqlalchemy import event

from portfolio.extensions import db
from tests.portfolio_fixtures import fill_set


def dashboard_queries(app, client) -> tuple[int, str]:
    statements = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get("/me/")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_evidence_per_competency_with_a_constant_number_of_queries(app, client, session, signed_in):
    first, second = signed_in.sets
    fill_set(session, signed_in, first)
    session.commit()
    few, page = dashboard_queries(app, client)
    size = len(first.competency_set.competencies)
    assert f"{size} of {size} competencies have a narrative and evidence" in page
    assert f"0 of {len(second.competency_set.competencies)} competencies" in page
    code = first.competency_set.competencies[0].code
    assert re.search(rf"{code} [^:<]+: 1 piece of evidence<", page)

    fill_set(session, signed_in, second, statement=False)
    session.commit()
    many, page = dashboard_queries(app, client)
    assert many == few
    assert not re.search(r"\b0 of \d+ competencies", page)

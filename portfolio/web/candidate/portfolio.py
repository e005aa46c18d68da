"""The candidate's portfolio: the overview of sets, the learning statement, one competency's entry.

Saving a text is a normal form post (works without JavaScript); static/js/autosave.js posts the
same text to the JSON endpoints in portfolio_autosave.py while the candidate types.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.portfolios.evidence import CompetencyEvidence
from portfolio.extensions import db
from portfolio.models import EnrollmentSet, Submission
from portfolio.models.base import utcnow
from portfolio.services.portfolios import entries as portfolios
from portfolio.services.portfolios import submissions
from portfolio.services.portfolios.entries import NEW_VERSION
from portfolio.web.candidate import bp, loaders
from portfolio.web.candidate.entry_page import render_entry_page
from portfolio.web.candidate.portfolio_forms import NarrativeForm, StatementForm
from portfolio.web.form_errors import show_error
from portfolio.web.text_filters import narrative_html, saved_excerpt, saved_html


@dataclass(frozen=True)
class SetRow:
    enrollment_set: EnrollmentSet
    status_label: str
    evidence: list[tuple[CompetencyEvidence, int | None]]  # with the entry id
    refusal: str | None
    submissions: list[Submission]


@bp.get("/portfolio")
def portfolio() -> str:
    enrollment = loaders.current_enrollment()
    if enrollment is None:
        return render_template("candidate/portfolio.html", enrollment=None)
    # Made when a set's portfolio route is chosen; this page only reads (None before that).
    portfolio = portfolios.find_portfolio(db.session, enrollment)
    sets = portfolios.portfolio_sets(enrollment)
    entries = portfolios.entries_by_competency(portfolio) if portfolio is not None else {}
    sent = submissions.submissions_by_set(db.session, [s.id for s in sets])
    rows = [
        SetRow(
            enrollment_set=enrollment_set,
            status_label=enrollment_set.status.label,
            evidence=[
                (item, entries[item.competency_id].id if item.competency_id in entries else None)
                for item in portfolios.evidence_for_set(portfolio, enrollment_set)
            ],
            refusal=submissions.submit_refusal(enrollment_set, utcnow().date()),
            submissions=sent[enrollment_set.id],
        )
        for enrollment_set in sets
    ]
    return render_template(
        "candidate/portfolio.html",
        enrollment=enrollment,
        portfolio=portfolio,
        statement_excerpt=(
            saved_excerpt(
                portfolio.learning_statement, portfolios.statement_rendered(portfolio), 300
            )
            if portfolio
            else ""
        ),
        rows=rows,
    )


@bp.route("/portfolio/statement", methods=["GET", "POST"])
def learning_statement() -> Response | tuple[str, int]:
    if request.method == "GET":
        found = loaders.find_own_portfolio()
        # Before the portfolio exists the form starts empty, at the version a new one gets.
        text, version = (found.learning_statement, found.version) if found else ("", NEW_VERSION)
        form = StatementForm(formdata=None, data={"learning_statement": text, "version": version})
        return _statement_page(form)
    portfolio = loaders.load_own_portfolio_to_edit()
    form = StatementForm()
    if not form.validate():
        return _statement_page(form, status=422)
    try:
        portfolios.update_learning_statement(
            db.session,
            portfolio,
            form.learning_statement.data,
            form.version.data,
            actor=current_user._get_current_object(),
        )
    except InvalidInput as exc:
        show_error(form, exc)
        return _statement_page(form, status=422)
    except Conflict as exc:
        # Nothing was saved: show the candidate's text again, with the latest saved one.
        db.session.rollback()
        return _statement_page(form, conflict=exc.message, status=409)
    flash("Your learning statement is saved.", "success")
    return redirect(url_for("candidate.learning_statement"))


def _statement_page(
    form: StatementForm, *, conflict: str | None = None, status: int = 200
) -> tuple[str, int]:
    found = loaders.find_own_portfolio()
    saved = (
        saved_html(found.learning_statement, portfolios.statement_rendered(found))
        if found
        else None
    )
    html = render_template(
        "candidate/portfolio_statement.html",
        form=form,
        conflict=conflict,
        # The saved statement's stored HTML; what the candidate just posted is rendered now.
        preview=saved if request.method == "GET" else narrative_html(form.learning_statement.data),
        saved_statement=saved if conflict else None,
        # Whose text a copy kept in the browser is (static/js/autosave.js): never another
        # person's, nor another enrollment's portfolio on this browser.
        draft_key=f"u{current_user.id}:p{found.id if found else 0}",
    )
    return html, status


@bp.route("/portfolio/entries/<int:entry_id>", methods=["GET", "POST"])
def entry(entry_id: int) -> Response | tuple[str, int]:
    entry = loaders.load_own_entry(entry_id)
    if request.method == "GET":
        return render_entry_page(entry)
    form = NarrativeForm()
    if not form.validate():
        return render_entry_page(entry, narrative_form=form, status_code=422)
    try:
        portfolios.update_narrative(
            db.session,
            entry,
            form.narrative.data,
            form.version.data,
            actor=current_user._get_current_object(),
        )
    except InvalidInput as exc:
        show_error(form, exc)
        return render_entry_page(entry, narrative_form=form, status_code=422)
    except Conflict as exc:
        db.session.rollback()
        entry = loaders.load_own_entry(entry_id)
        return render_entry_page(
            entry, narrative_form=form, alert=exc.message, show_saved=True, status_code=409
        )
    flash("Your narrative is saved.", "success")
    return redirect(url_for("candidate.entry", entry_id=entry.id))

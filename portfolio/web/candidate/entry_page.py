"""The page of one competency's entry, shared by the narrative and the artifact views.

Any form on it may come back with errors (422) or a conflict (409); the page is then shown
again with what the candidate typed, never with it dropped.
"""

from __future__ import annotations

from flask import render_template

from portfolio.domain.errors import Conflict
from portfolio.domain.portfolios.evidence import WAITING_ON_REVIEW
from portfolio.extensions import db
from portfolio.models import EnrollmentSet, PortfolioEntry
from portfolio.services.portfolios import entries
from portfolio.services.programs.queries import rubric_of
from portfolio.services.programs.versions import load_rules
from portfolio.services.reviewing.outcome_views import latest_feedback
from portfolio.web.candidate.portfolio_forms import AttachForm, LinkArtifactForm, NarrativeForm
from portfolio.web.text_filters import narrative_html, saved_html


def entry_set(entry: PortfolioEntry) -> EnrollmentSet | None:
    """The candidate's set holding this entry's competency, or None if they no longer take it."""
    try:
        return entries.enrollment_set_for(entry.portfolio, entry.competency)
    except Conflict:
        return None


def editing_refusal(entry: PortfolioEntry) -> str | None:
    """Why this entry's evidence cannot change now, or None."""
    enrollment_set = entry_set(entry)
    if enrollment_set is None:
        return "This competency is not part of the sets you are taking now."
    try:
        entries.check_editable(enrollment_set)
    except Conflict as exc:
        return exc.message
    return None


def attach_choices(entry: PortfolioEntry) -> list[tuple[int, str]]:
    """The portfolio's artifacts not yet supporting this competency."""
    attached = {artifact.id for artifact in entry.artifacts}
    return [(a.id, a.caption) for a in entry.portfolio.artifacts if a.id not in attached]


def render_entry_page(
    entry: PortfolioEntry,
    *,
    narrative_form: NarrativeForm | None = None,
    link_form: LinkArtifactForm | None = None,
    attach_form: AttachForm | None = None,
    alert: str | None = None,
    show_saved: bool = False,
    status_code: int = 200,
) -> tuple[str, int]:
    """The entry page; `alert` is a message shown at the top (a conflict, a refused file),
    `show_saved` adds the latest saved narrative beside the candidate's unsaved text."""
    saved = saved_html(entry.narrative, entries.narrative_rendered(entry))
    if narrative_form is None:
        narrative_form = NarrativeForm(
            formdata=None, data={"narrative": entry.narrative, "version": entry.version}
        )
        preview = saved
    else:  # what the candidate just posted, rendered now
        preview = narrative_html(narrative_form.narrative.data)
    link_form = link_form or LinkArtifactForm(formdata=None)
    attach_form = attach_form or AttachForm(formdata=None)
    attach_form.artifact_id.choices = attach_choices(entry)
    enrollment_set = entry_set(entry)
    status = enrollment_set.status if enrollment_set else None
    if status_code == 200 and (narrative_form.errors or link_form.errors or attach_form.errors):
        status_code = 422
    html = render_template(
        "candidate/entry.html",
        entry=entry,
        competency=entry.competency,
        competency_set=entry.competency.competency_set,
        status_label=status.label if status else None,
        # Submitted and waiting on reviewers: edits go to the draft, not to what was sent.
        waiting=status in WAITING_ON_REVIEW,
        refusal=editing_refusal(entry),
        narrative_form=narrative_form,
        link_form=link_form,
        attach_form=attach_form,
        alert=alert,
        # The latest saved text, shown beside the candidate's own after a conflict.
        saved_narrative=saved if show_saved else None,
        preview=preview,
        rubric=rubric_of(entry.competency),
        blind=load_rules(entry.competency.competency_set.framework).review.blind,
        feedback=(
            latest_feedback(db.session, enrollment_set, entry.competency)
            if enrollment_set is not None
            else None
        ),
    )
    return html, status_code

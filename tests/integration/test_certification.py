"""The evaluation service: the last set met certifies (once) and issues the certificate;
a window that ends first closes the enrollment as not certified. Both with reasons, audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portfolio.domain.certification.evaluation import expiry
from portfolio.domain.errors import Conflict
from portfolio.models import (
    Certificate,
    CertificationDecision,
    DecisionStatus,
    EnrollmentStatus,
    OutcomeStatus,
    Role,
    SetOutcomeRecord,
)
from portfolio.services.audit import events_for
from portfolio.services.certification import evaluation as certification
from portfolio.services.certification import numbers
from portfolio.services.reviewing import outcome_changes
from portfolio.web import clock
from tests.helpers import make_user
from tests.integration.test_review_outcomes import world_in_review
from tests.review_fixtures import submit

TODAY = clock.today()  # the test program needs only its CORE set: meeting it certifies


def test_the_last_set_met_certifies_and_issues_a_certificate(session, mailbox):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "partially_met")
    decision = session.scalar(select(CertificationDecision))
    assert decision.status is DecisionStatus.CERTIFIED
    first = decision.reasons["reasons"][0]
    assert first.startswith("CORE Core skills (required): met by portfolio review, submission 1 ")
    certificate = session.scalar(select(Certificate))
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}", certificate.number)
    assert certificate.user_id == world.candidate.id
    assert (certificate.issued_on, certificate.expires_on) == (TODAY, expiry(TODAY, 5))
    assert world.enrollment.status is EnrollmentStatus.CERTIFIED
    actions = [e.action for e in events_for(session, "enrollment", world.enrollment.id)]
    assert "certification.decided" in actions
    assert [e.action for e in events_for(session, "certificate", certificate.id)] == [
        "certificate.issued"
    ]
    session.commit()
    (email,) = [m for m in mailbox.to(world.candidate.email) if "certified" in m["Subject"]]
    assert certificate.number in mailbox.body(email)


def test_evaluating_again_records_nothing_more(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    first = session.scalar(select(CertificationDecision))
    again = certification.evaluate_enrollment(session, world.enrollment, TODAY)
    assert again is first
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_a_set_not_yet_met_leaves_the_decision_open(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "partially_met")
    submit(session, world, b, "partially_met")
    assert session.scalar(select(CertificationDecision)) is None
    standing = certification.standing(world.enrollment, TODAY)
    assert standing.summary == "Still to be met: required set Core skills (CORE)."
    assert world.enrollment.status is EnrollmentStatus.ACTIVE


def test_an_ended_window_closes_the_enrollment_as_not_certified(app, session, mailbox):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")
    later = world.enrollment.window_ends_on + timedelta(days=1)
    session.commit()
    assert certification.decide_expired(session, TODAY) == 0
    result = app.test_cli_runner().invoke(args=["reviews", "decide-expired", "--today", str(later)])
    assert result.exit_code == 0, result.output
    assert "Decided 1 enrollment." in result.output
    decision = session.scalar(select(CertificationDecision))
    assert decision.status is DecisionStatus.NOT_CERTIFIED
    assert decision.reasons["summary"] == (
        "The completion window ended with required set Core skills (CORE) still to be met."
    )
    assert session.scalar(select(Certificate)) is None
    (email,) = [m for m in mailbox.to(world.candidate.email) if "has ended" in m["Subject"]]
    assert "required set Core skills (CORE)" in mailbox.body(email)


def test_certificate_numbers_are_read_forgivingly_and_refused_when_malformed():
    number = numbers.new_number()
    assert numbers.normalise_number(number.lower().replace("-", " ")) == number
    assert numbers.normalise_number("o0000-00000-00000-0000l") == ("00000-00000-00000-00001")
    for bad in ("", "12345", "UUUUU-UUUUU-UUUUU-UUUUU", "x" * 500):
        assert numbers.normalise_number(bad) is None
    assert len({numbers.new_number() for _ in range(1000)}) == 1000


def test_once_decided_the_outcomes_of_the_sets_stand(session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    outcome = session.scalar(select(SetOutcomeRecord))
    for change in (
        lambda: outcome_changes.reopen_outcome(
            session, outcome, actor=admin, reason="Entered by mistake.", today=TODAY
        ),
        lambda: outcome_changes.override_outcome(
            session,
            outcome,
            actor=admin,
            status=OutcomeStatus.NOT_YET_MET,
            reason="Entered by mistake.",
            today=TODAY,
        ),
    ):
        with pytest.raises(Conflict, match="certification is already decided \\(certified\\)"):
            change()
    assert outcome.status is OutcomeStatus.MET


def test_an_ended_window_waits_for_a_set_handed_in_before_it(session):
    world, (a, _b) = world_in_review(session)
    submit(session, world, a, "met")  # the second review is still to come
    later = world.enrollment.window_ends_on + timedelta(days=1)
    assert certification.decide_expired(session, later) == 0
    assert session.scalar(select(CertificationDecision)) is None
    assert world.enrollment.status is EnrollmentStatus.ACTIVE

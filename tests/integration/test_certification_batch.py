"""`flask certification evaluate --all`: every active enrollment decided in one batch, as the
one-at-a-time evaluation would decide it (the same records, audit events, certificate, signed
credential and email); run again, nothing new; and a number of queries that does not grow with
the number of candidates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select

from portfolio.domain.certification.evaluation import Route
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.notifications import Kind
from portfolio.extensions import db
from portfolio.models import (
    AuditEvent,
    Certificate,
    CertificationDecision,
    CourseStatus,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    IssuedCredential,
    Notification,
    OutboxMessage,
)
from portfolio.services.certification import evaluation, open_badges
from portfolio.services.certification.batch_evaluation import evaluate_all
from portfolio.services.certification.signing import verify
from portfolio.web import clock
from tests import credential_verifier
from tests.integration.test_open_badges import served
from tests.review_fixtures import make_candidate, make_framework

TODAY = clock.today()
# The test program requires its CORE set only (OTHER is an elective it does not ask for).
KINDS = (
    "portfolio_met",  # certified: CORE met by portfolio review
    "course_verified",  # certified: CORE met by a verified course
    "in_progress",  # open: the window runs on
    "ended_missing",  # not certified: the window ended without CORE
    "ended_checking",  # open: the window ended while CORE's course waits for verification
)


def candidate(session, framework, kind: str, n: int) -> Enrollment:
    _user, enrollment = make_candidate(
        session, framework, email=f"{kind}.{n}@example.org", name=f"{kind} {n}"
    )
    core, other = framework.sets
    item = EnrollmentSet(enrollment=enrollment, set_id=core.id)
    if kind == "portfolio_met":
        item.route, item.status = Route.PORTFOLIO, SetLifecycle.MET
    elif kind == "course_verified":
        item.route, item.course_status = Route.COURSE, CourseStatus.VERIFIED
    elif kind == "in_progress":
        item.route, item.status = Route.PORTFOLIO, SetLifecycle.IN_REVIEW
    elif kind == "ended_missing":
        item.route, item.course_status = Route.COURSE, CourseStatus.IN_PROGRESS
    else:
        item.route, item.course_status = Route.COURSE, CourseStatus.COMPLETED
    if kind.startswith("ended"):
        enrollment.window_ends_on = TODAY - timedelta(days=1)
    session.add(item)
    # An elective taken and not met: it changes nothing, but it is one more row to read.
    session.add(EnrollmentSet(enrollment=enrollment, set_id=other.id, route=Route.PORTFOLIO))
    session.flush()
    return enrollment


def world(session, per_kind: int) -> dict[str, list[Enrollment]]:
    framework = make_framework(session)
    return {k: [candidate(session, framework, k, n) for n in range(per_kind)] for k in KINDS}


def rows(session) -> dict[str, int]:
    tables = (
        CertificationDecision,
        Certificate,
        IssuedCredential,
        AuditEvent,
        OutboxMessage,
        Notification,
    )
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}


def test_the_batch_decides_as_one_evaluation_would_and_twice_records_nothing_new(app, session):
    people = world(session, 2)
    expected = {
        e.id: evaluation.standing(e, TODAY).as_document()
        for group in people.values()
        for e in group
    }
    session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["certification", "evaluate", "--all"])

    assert first.exit_code == 0, first.output
    assert "Evaluated 10 active enrollments: 4 certified, 2 not certified, 4 still open." in (
        first.output
    )
    decisions = {d.enrollment_id: d for d in session.scalars(select(CertificationDecision))}
    for kind in ("portfolio_met", "course_verified", "ended_missing"):
        for enrollment in people[kind]:
            decision = decisions[enrollment.id]
            assert decision.reasons == expected[enrollment.id]
            assert decision.status is (
                DecisionStatus.NOT_CERTIFIED
                if kind == "ended_missing"
                else DecisionStatus.CERTIFIED
            )
    assert not {e.id for k in ("in_progress", "ended_checking") for e in people[k]} & set(decisions)
    session.expire_all()
    statuses = {e.id: e.status for e in session.scalars(select(Enrollment))}
    assert statuses[people["course_verified"][0].id] is EnrollmentStatus.CERTIFIED
    assert statuses[people["ended_missing"][1].id] is EnrollmentStatus.CLOSED
    assert statuses[people["ended_checking"][0].id] is EnrollmentStatus.ACTIVE

    certificates = session.scalars(select(Certificate)).all()
    assert len(certificates) == 4
    assert len({c.status_index for c in certificates}) == 4  # four bits, never shared
    issuer = app.extensions["credential_issuer"]
    for certificate in certificates:
        credential = open_badges.parsed(open_badges.latest_credential(session, certificate))
        assert verify(credential, issuer.public_keys)
        assert credential["credentialSubject"]["licenseNumber"] == certificate.number
        assert credential["credentialStatus"]["statusListIndex"] == str(certificate.status_index)
    actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert sorted(set(actions)) == [
        "certificate.issued",
        "certification.decided",
        "credential.issued",
    ]
    assert (actions.count("certification.decided"), actions.count("credential.issued")) == (6, 4)
    subjects = sorted(m.subject for m in session.scalars(select(OutboxMessage)))
    assert (
        subjects
        == ["You are certified: Test Program"] * 4
        + ["Your enrollment in Test Program has ended"] * 2
    )
    # Told in the app as well, as the evaluation of one candidate tells them (notify).
    notifications = session.scalars(select(Notification)).all()
    assert sorted(n.title for n in notifications) == subjects
    assert {(n.kind, n.link) for n in notifications} == {(Kind.DECISION, "/me/")}
    told = {
        e.user_id for k in ("portfolio_met", "course_verified", "ended_missing") for e in people[k]
    }
    assert {n.user_id for n in notifications} == told
    before = rows(session)

    again = runner.invoke(args=["certification", "evaluate", "--all"])

    assert again.exit_code == 0, again.output
    assert "Evaluated 4 active enrollments: 0 certified, 0 not certified, 4 still open." in (
        again.output
    )
    assert rows(session) == before


def test_the_batch_needs_the_same_queries_for_2_candidates_as_for_20(app, session):
    def queries_to_decide(per_kind: int) -> int:
        world(session, per_kind)
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = db.engine_for(app)
        event.listen(engine, "before_cursor_execute", record)
        try:
            outcome = evaluate_all(session, TODAY)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert outcome.certified == 2 * per_kind
        return len(statements)

    # Both worlds are one program version each, with no status list stored yet: only the
    # number of candidates differs (5 and 50, 2 and 20 of them certified).
    few = queries_to_decide(1)
    session.rollback()
    many = queries_to_decide(10)
    assert few == many, (few, many)


def test_a_credential_the_batch_signed_verifies_independently(app, client, session):
    framework = make_framework(session)
    enrollment = candidate(session, framework, "course_verified", 0)
    session.commit()
    assert evaluate_all(session, TODAY).certified == 1
    session.commit()
    certificate = session.scalar(
        select(Certificate).where(Certificate.enrollment_id == enrollment.id)
    )
    credential = open_badges.parsed(open_badges.latest_credential(session, certificate))
    profile = served(client, "/issuer")
    status_list = served(client, credential["credentialStatus"]["statusListCredential"])
    results = credential_verifier.verify(
        {"batch": credential}, {profile["id"]: profile, status_list["id"]: status_list}
    )
    assert results["batch"] == {"verified": True, "revoked": False, "errors": []}


def test_the_batch_is_asked_for_by_name(app):
    result = app.test_cli_runner().invoke(args=["certification", "evaluate"])
    assert result.exit_code == 2
    assert "Say --all" in result.output

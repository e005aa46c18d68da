"""Two administrators verifying a candidate's last two missing courses at the same instant: both
verifications stand and the candidate is certified once (not twice, and not never).

PostgreSQL only: real concurrent transactions on committed data (tests/committed_data.py), one
test client per administrator. The test holds both requests mid-way and lets them go together:
the first at its audit row, its set marked verified; the second marking its own set verified,
waiting on the enrollment's progress tally (models.progress), whose row the first holds since
its set changed. So the second's change, and the evaluation after it, come after the first's
commit and see both sets verified. (The enrollment's row lock in evaluate_enrollment, which
used to be what ordered these two, is no longer what this test exercises: the tally's row
orders them first.)
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.models import (
    AuditEvent,
    Certificate,
    CertificationDecision,
    CourseStatus,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Role,
    Route,
    SetKind,
)
from tests.committed_data import backends_waiting_on, table_locked
from tests.framework_documents import rules_document
from tests.helpers import csrf_token, login_as, make_user
from tests.review_fixtures import make_candidate, make_framework

pytestmark = pytest.mark.postgres_only


def test_two_last_courses_verified_at_once_certify_the_candidate_once(app, committed_engine):
    tag = uuid.uuid4().hex[:8]
    with app.app_context(), Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"race-{tag}")
        for competency_set in framework.sets:  # both sets are required
            competency_set.kind = SetKind.REQUIRED
        framework.rules = rules_document(["CORE", "OTHER"], 0)
        _candidate, enrollment = make_candidate(setup, framework, email=f"c-{tag}@example.org")
        courses = [
            EnrollmentSet(
                enrollment=enrollment,
                set_id=competency_set.id,
                route=Route.COURSE,
                course_name=f"{competency_set.code} course",
                course_provider="State Library Academy",
                course_status=CourseStatus.COMPLETED,
            )
            for competency_set in framework.sets
        ]
        setup.add_all(courses)
        admins = [
            make_user(setup, f"admin{n}-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
            for n in range(2)
        ]
        setup.commit()
        enrollment_id = enrollment.id
        versions = {course.id: course.version for course in courses}
        for admin in admins:
            setup.refresh(admin)
            setup.expunge(admin)

    clients = []
    for admin in admins:
        client = app.test_client()
        login_as(client, admin)
        clients.append((client, csrf_token(client, "/admin/courses")))
    statuses: list[int] = []

    def verify(n: int, set_id: int) -> None:
        client, token = clients[n]
        data = {"csrf_token": token, "version": str(versions[set_id])}
        statuses.append(client.post(f"/admin/courses/{set_id}/verify", data=data).status_code)

    threads = [
        threading.Thread(target=verify, args=(n, set_id)) for n, set_id in enumerate(versions)
    ]
    with table_locked(committed_engine, AuditEvent.__tablename__):
        for thread in threads:
            thread.start()
        backends_waiting_on(committed_engine, AuditEvent.__tablename__, count=1)
        backends_waiting_on(committed_engine, count=2)
    for thread in threads:
        thread.join(30)

    assert statuses == [302, 302]  # each administrator's verification stands
    with Session(committed_engine) as check:
        verified = check.scalars(
            select(EnrollmentSet.course_status).where(EnrollmentSet.id.in_(versions))
        ).all()
        assert verified == [CourseStatus.VERIFIED, CourseStatus.VERIFIED]
        (decision,) = check.scalars(
            select(CertificationDecision).where(
                CertificationDecision.enrollment_id == enrollment_id
            )
        ).all()
        assert decision.status is DecisionStatus.CERTIFIED
        certificates = select(Certificate).where(Certificate.enrollment_id == enrollment_id)
        assert len(check.scalars(certificates).all()) == 1
        assert check.get(Enrollment, enrollment_id).status is EnrollmentStatus.CERTIFIED
        decided = check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == AuditAction.CERTIFICATION_DECIDED,
                AuditEvent.object_type == "enrollment",
                AuditEvent.object_id == str(enrollment_id),
            )
        )
        assert decided == 1

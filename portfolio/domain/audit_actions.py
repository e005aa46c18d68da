"""Every action the audit trail records: one member per kind of event.

The values are what audit_event.action stores, so they never change once released: a renamed
value would silently drop the older events from every history that filters on it. Add a member
for a new kind of event; services.audit.record accepts nothing else.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    """What happened, as "<object>.<verb>"."""

    # accounts
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_EMAIL_CHANGED = "account.email_changed"
    ACCOUNT_EMAIL_CONFIRMED = "account.email_confirmed"
    ACCOUNT_NAME_CHANGED = "account.name_changed"
    ACCOUNT_PASSWORD_CHANGED = "account.password_changed"  # noqa: S105 (an action, not a secret)
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 (an action, not a secret)
    ACCOUNT_ROLE_GRANTED = "account.role_granted"
    ACCOUNT_ROLE_REVOKED = "account.role_revoked"
    API_TOKEN_CREATED = "account.api_token_created"  # noqa: S105 (an action, not a secret)
    API_TOKEN_REVOKED = "account.api_token_revoked"  # noqa: S105 (an action, not a secret)

    # applications
    APPLICATION_STARTED = "application.started"
    APPLICATION_SUBMITTED = "application.submitted"
    APPLICATION_APPROVED = "application.approved"
    APPLICATION_REJECTED = "application.rejected"
    SUPERVISOR_INVITED = "supervisor.invited"
    SUPERVISOR_ACCEPTED = "supervisor.accepted"
    SUPERVISOR_SHARING_CHANGED = "supervisor.sharing_changed"
    PAYMENT_RECORDED = "payment.recorded"
    SCHOLARSHIP_AWARDED = "scholarship.awarded"
    PAYMENT_REFUNDED = "payment.refunded"
    FEE_WAIVED = "fee.waived"
    SCHOLARSHIP_POOL_CREATED = "scholarship_pool.created"
    STAFF_INVITED = "staff.invited"
    STAFF_INVITATION_RENEWED = "staff.invitation_renewed"
    STAFF_INVITATION_ACCEPTED = "staff.invitation_accepted"
    FEE_SPONSORED = "fee.sponsored"
    SUPERVISOR_REMOVED = "supervisor.removed"
    APPLICATION_APPROVED_WITH_BALANCE = "application.approved_with_balance_due"

    # enrollment and courses
    ENROLLMENT_CREATED = "enrollment.created"
    ENROLLMENT_ELECTIVES_CHOSEN = "enrollment.electives_chosen"
    ENROLLMENT_ROUTE_CHOSEN = "enrollment.route_chosen"
    COURSE_VERIFIED = "course.verified"
    COURSE_RETURNED = "course.returned"
    COURSE_CHOSEN = "course.chosen"
    COURSE_COMPLETION_REPORTED = "course.completion_reported"
    COURSE_ROSTER_IMPORTED = "course.roster_imported"
    RECOGNITION_AGREEMENT_RECORDED = "recognition.agreement_recorded"
    TRANSCRIPT_REPORTED = "recognition.transcript_reported"
    TRANSCRIPT_VERIFIED = "recognition.transcript_verified"
    TRANSCRIPT_RETURNED = "recognition.transcript_returned"

    # programs
    FRAMEWORK_IMPORTED = "framework.imported"
    FRAMEWORK_PUBLISHED = "framework.published"
    FRAMEWORK_RETIRED = "framework.retired"
    FRAMEWORK_DRAFT_CREATED = "framework.draft_created"
    FRAMEWORK_DETAILS_UPDATED = "framework.details_updated"
    FRAMEWORK_RULES_UPDATED = "framework.rules_updated"
    FRAMEWORK_RUBRIC_UPDATED = "framework.rubric_updated"
    FRAMEWORK_SET_ADDED = "framework.set_added"
    FRAMEWORK_SET_UPDATED = "framework.set_updated"
    FRAMEWORK_SET_REMOVED = "framework.set_removed"
    FRAMEWORK_SET_MOVED = "framework.set_moved"
    FRAMEWORK_COMPETENCY_ADDED = "framework.competency_added"
    FRAMEWORK_COMPETENCY_UPDATED = "framework.competency_updated"
    FRAMEWORK_COMPETENCY_REMOVED = "framework.competency_removed"
    FRAMEWORK_COMPETENCY_MOVED = "framework.competency_moved"
    FRAMEWORK_COMPETENCY_CONFIRMED = "framework.competency_confirmed"

    # portfolios
    ARTIFACT_ADDED = "artifact.added"
    ARTIFACT_REMOVED = "artifact.removed"
    PORTFOLIO_IMPORTED = "portfolio.imported"
    PORTFOLIO_IMPORT_REQUESTED = "portfolio.import_requested"
    PORTFOLIO_IMPORT_REFUSED = "portfolio.import_refused"
    SUBMISSION_CREATED = "submission.created"
    SUBMISSION_STATUS_CHANGED = "submission.status_changed"
    SUBMISSION_UNASSIGNED = "submission.unassigned"
    SET_STATUS_CHANGED = "set.status_changed"

    # uploads
    UPLOAD_STARTED = "upload.started"
    UPLOAD_VERIFIED = "upload.verified"
    UPLOAD_REJECTED = "upload.rejected"
    UPLOAD_CANCELLED = "upload.cancelled"
    UPLOAD_EXPIRED = "upload.expired"
    UPLOAD_BROKEN = "upload.broken"
    UPLOAD_OBJECT_DELETED = "upload.object_deleted"
    STORAGE_ORPHAN_DELETED = "storage.orphan_deleted"
    STORAGE_MULTIPART_ABORTED = "storage.multipart_aborted"

    # reviewing
    REVIEWER_PROFILE_UPDATED = "reviewer.profile_updated"
    REVIEWER_UNAVAILABLE = "reviewer.unavailable"
    REVIEWER_AVAILABLE_AGAIN = "reviewer.available_again"
    REVIEWER_CONFLICT_DECLARED = "reviewer.conflict_declared"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_DUE_DATE_MOVED = "assignment.due_date_moved"
    ASSIGNMENT_DECLINED = "assignment.declined"
    ASSIGNMENT_REASSIGNED = "assignment.reassigned"
    CALIBRATION_ANCHOR_MARKED = "calibration.anchor_marked"
    CALIBRATION_ASSIGNED = "calibration.assigned"
    CALIBRATION_SUBMITTED = "calibration.submitted"
    REVIEW_SUBMITTED = "review.submitted"
    OUTCOME_RECORDED = "outcome.recorded"
    OUTCOME_NEEDS_ADJUDICATION = "outcome.needs_adjudication"
    OUTCOME_OVERRIDDEN = "outcome.overridden"
    OUTCOME_REOPENED = "outcome.reopened"

    # certification
    CERTIFICATION_DECIDED = "certification.decided"
    CERTIFICATION_OVERRIDDEN = "certification.overridden"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATE_REINSTATED = "certificate.reinstated"
    CREDENTIAL_ISSUED = "credential.issued"

    # background work
    JOB_RETRIED = "job.retried"

    # renewal
    RENEWAL_SUBMITTED = "renewal.submitted"
    RENEWAL_ACTIVITY_ACCEPTED = "renewal.activity_accepted"
    RENEWAL_PROOF_REQUESTED = "renewal.proof_requested"
    RENEWAL_PROOF_ADDED = "renewal.proof_added"
    RENEWAL_FEE_RECORDED = "renewal.fee_recorded"
    RENEWAL_APPROVED = "renewal.approved"
    CERTIFICATE_LAPSED = "certificate.lapsed"
    # course providers and course approval (issue 12)
    PROVIDER_REGISTERED = "provider.registered"
    PROVIDER_MEMBER_ADDED = "provider.member_added"
    COURSE_VERSION_CREATED = "course_version.created"
    COURSE_VERSION_SUBMITTED = "course_version.submitted"
    COURSE_EVALUATOR_ASSIGNED = "course_evaluation.assigned"
    COURSE_EVALUATION_SUBMITTED = "course_evaluation.submitted"
    COURSE_VERSION_APPROVED = "course_version.approved"
    COURSE_VERSION_RETURNED = "course_version.returned"
    COURSE_RENEWAL_REQUESTED = "course_version.renewal_requested"
    COURSE_VERSION_RENEWED = "course_version.renewed"
    COURSE_FEE_PAID = "course_fee.paid"
    COURSE_FEE_REFUNDED = "course_fee.refunded"
    COURSE_FEE_WAIVED = "course_fee.waived"

    # appeals
    APPEAL_NOTICE_FILED = "appeal.notice_filed"
    APPEAL_FILE_ATTACHED = "appeal.file_attached"
    APPEAL_GROUNDS_FILED = "appeal.grounds_filed"
    APPEAL_OFFICE_ANSWERED = "appeal.office_answered"
    APPEAL_UPHELD = "appeal.upheld"
    APPEAL_SENT_BACK = "appeal.sent_back"
    APPEAL_RECONSIDERED = "appeal.reconsidered"

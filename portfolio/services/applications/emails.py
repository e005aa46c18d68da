"""The words of application emails (decisions, supervisor invitations), queued in the outbox."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.dates import format_date
from portfolio.domain.notifications import Kind
from portfolio.models import User
from portfolio.services.notifications import notify
from portfolio.services.outbox import queue

CLOSING = "\n\n-- Portfolio\n"
DASHBOARD_PATH = "/me/"
IGNORE = "\n\nIf you did not expect this message, you can ignore it." + CLOSING


def send_application_approved(
    session: Session,
    *,
    key: str,
    user: User,
    program: str,
    window_ends_on: date,
    reason: str,
    dashboard_url: str,
) -> bool:
    body = (
        f"Hello {user.name},\n\n"
        f"Your application to {program} is approved, and you are now enrolled.\n\n"
        f"Note from the program office:\n{reason}\n\n"
        f"Your completion window runs until {format_date(window_ends_on)}. Your next step is to "
        "choose your electives and, for each competency set, whether you will take an approved "
        f"course or build a portfolio:\n\n{dashboard_url}"
    )
    subject = f"Your application to {program} is approved"
    return notify(
        session,
        user=user,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        key=key,
        subject=subject,
        body=body,
        signature=CLOSING,
    )


def send_application_rejected(
    session: Session,
    *,
    key: str,
    user: User,
    program: str,
    reason: str,
    dashboard_url: str,
) -> bool:
    body = (
        f"Hello {user.name},\n\n"
        f"We are sorry: your application to {program} was not approved.\n\n"
        f"The reason the program office gave:\n{reason}\n\n"
        "You can apply again once the reason no longer applies (for example, when you have "
        f"more hours of library work):\n\n{dashboard_url}"
    )
    subject = f"Your application to {program} was not approved"
    return notify(
        session,
        user=user,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        key=key,
        subject=subject,
        body=body,
        signature=CLOSING,
    )


def send_supervisor_invitation(
    session: Session,
    *,
    key: str,
    to: str,
    candidate: str,
    program: str,
    link: str,
    days: int,
) -> bool:
    body = (
        "Hello,\n\n"
        f"{candidate} has applied to {program} and named you as their supervisor. With your "
        "agreement, you can follow their progress: the status of each competency set and the "
        "time left to complete them (never their evidence, unless they choose to share it).\n\n"
        "To accept, open this link. You will need a Portfolio account with this email address; "
        f"you can create one from that page:\n\n{link}\n\n"
        f"The link works for {days} days."
    )
    subject = f"{candidate} invites you to follow their certification"
    # To an address that may have no account yet: an email only, always sent.
    return queue(
        session,
        key=key,
        to=to,
        kind=Kind.INVITATION,
        subject=subject,
        body=body,
        signature=IGNORE,
    )

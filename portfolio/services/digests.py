"""The daily digest: one email per person gathering the notifications they chose to get that way
(a daily job: portfolio/jobs/notifications.py).

Run twice, sent once: each person's waiting notifications are claimed (marked digested) by one
conditional UPDATE in the same transaction as the email's outbox row, so a second run, or two
runs at once, find nothing left to send; the email's key names the notifications it holds.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portfolio.domain.notifications import Delivery, Kind
from portfolio.models import Notification, NotificationPreference, User
from portfolio.services import outbox
from portfolio.services.links import page_url
from portfolio.services.notifications import PREFERENCES_PATH
from portfolio.services.unsubscribe import unsubscribe_url


class _TakenByAnotherRun(Exception):
    pass


def send_digests(session: Session, now: datetime) -> int:
    """Queue one digest email per person with notifications waiting for it made up to `now`;
    the number of emails queued by this run. Notifications of a kind turned off since they were
    made are marked digested and not sent."""
    waiting = session.scalars(
        select(Notification)
        .where(
            Notification.delivery == Delivery.DIGEST,
            Notification.digested_at.is_(None),
            Notification.created_at <= now,
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    sent = 0
    for user_id, group in groupby(waiting, key=lambda n: n.user_id):
        notifications = list(group)
        try:
            with session.begin_nested():
                sent += _send_one(session, user_id, notifications, now)
        except _TakenByAnotherRun:
            continue  # that run sends them
    return sent


def _send_one(
    session: Session, user_id: int, notifications: list[Notification], now: datetime
) -> int:
    ids = [n.id for n in notifications]
    claimed = session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.digested_at.is_(None))
        .values(digested_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise _TakenByAnotherRun
    off = set(
        session.scalars(
            select(NotificationPreference.kind).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.delivery == Delivery.OFF,
            )
        )
    )
    included = [n for n in notifications if n.kind not in off]
    user = session.get(User, user_id)
    if not included or user is None:
        return 0
    kinds = sorted({n.kind for n in included}, key=list(Kind).index)
    unsubscribe = unsubscribe_url(user_id, kinds)
    queued = outbox.queue(
        session,
        to=user.email,
        kind=Kind.DIGEST,
        subject=_subject(len(included)),
        body=_body(user.name, included),
        key=f"notifications.digest:{user_id}:{ids[0]}-{ids[-1]}",
        signature=outbox.SIGNATURE + _footer(unsubscribe),
        unsubscribe_url=unsubscribe,
    )
    return 1 if queued else 0


def _subject(count: int) -> str:
    return f"Your Portfolio digest: {count} notification{'' if count == 1 else 's'}"


def _body(name: str, notifications: list[Notification]) -> str:
    lines = [f"Hello {name},", "", "Here is what happened since your last digest:", ""]
    for notification in notifications:
        url = page_url(notification.link) if notification.link else None
        lines.append(f"- {notification.title}")
        if url:
            lines.append(f"  {url}")
    every = page_url("/notifications")
    if every:
        lines += ["", f"All your notifications: {every}"]
    return "\n".join(lines)


def _footer(unsubscribe: str | None) -> str:
    choose = page_url(PREFERENCES_PATH)
    lines = [""]
    if unsubscribe:
        lines.append(f"Stop emails about these: {unsubscribe}")
    if choose:
        lines.append(f"Choose which emails you get: {choose}")
    return "\n".join(lines) + "\n"

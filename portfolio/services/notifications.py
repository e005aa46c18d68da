"""Telling a person something: a notification in the app, and an email as they chose (15.2).

`notify` is how every email to a person with an account is written: in the caller's transaction
it records the notification (their list in the app, with a link to the thing itself) and, by
their choice for its kind, queues the email in the outbox now, leaves it for the daily digest
(services.digests), or sends none. Kinds that must always be sent ignore the choice. Emails of
the other kinds carry a one-click unsubscribe link for their kind (services.unsubscribe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.errors import InvalidInput, NotFound
from portfolio.domain.notifications import (
    Delivery,
    Kind,
    choosable_kinds,
    delivery_for,
    parse_delivery,
    parse_kind,
)
from portfolio.models import Notification, NotificationPreference, User
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.links import page_url
from portfolio.services.unsubscribe import (
    NOT_VALID,
    InvalidUnsubscribeLink,
    read_token,
    unsubscribe_url,
)

PREFERENCES_PATH = "/account/notifications"
LIST_LIMIT = 100  # the newest this many are listed; older ones are still counted


def notify(
    session: Session,
    *,
    user: User,
    kind: Kind,
    subject: str,
    body: str,
    link: str = "",
    key: str | None = None,
    title: str | None = None,
    signature: str = outbox.SIGNATURE,
    to: str | None = None,
) -> bool:
    """Tell `user` about one event: a notification (titled `title`, else `subject`; linking to
    the app path `link`) and, as their choice for `kind` says, an email (to `to` when it is not
    the account's address: a changed address is told at the old one). `key` names the event:
    one told before is not told again (False)."""
    if link and not (link.startswith("/") and not link.startswith("//")):
        # The list renders it as a link: only a path of this app, never another site.
        raise ValueError(f"a notification links to a path of this app, not {link!r}")
    if key is not None and session.scalar(
        select(Notification.id).where(Notification.idempotency_key == key)
    ):
        return False
    delivery = delivery_for(kind, chosen_delivery(session, user.id, kind))
    notification = Notification(
        user_id=user.id,
        kind=kind,
        title=title or subject,
        link=link,
        delivery=delivery,
        idempotency_key=key,
    )
    if key is None:
        session.add(notification)
    else:
        session.flush()  # so an IntegrityError below can only be this row's key
        try:
            with session.begin_nested():  # two transactions telling the same event at once
                session.add(notification)
        except IntegrityError:
            return False
    if delivery is Delivery.IMMEDIATE:
        unsubscribe = None if kind.rule.must_send else unsubscribe_url(user.id, [kind])
        outbox.queue(
            session,
            to=to or user.email,
            kind=kind,
            subject=subject,
            body=with_page_link(body, link),
            key=key,
            signature=signature + footer(kind, unsubscribe),
            unsubscribe_url=unsubscribe,
        )
    return True


def notify_many(
    session: Session, *, kind: Kind, link: str, notices: Sequence[tuple[User, str, str]]
) -> None:
    """`notify` for many people at once, each told of their own event (user, subject, body),
    none with a key: one query for their choices, one insert for the notifications and one
    for the emails, however many they are (the batch evaluation tells thousands)."""
    if link and not (link.startswith("/") and not link.startswith("//")):
        raise ValueError(f"a notification links to a path of this app, not {link!r}")
    if not notices:
        return
    chosen = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.user_id.in_({user.id for user, _s, _b in notices}),
                NotificationPreference.kind == kind,
            )
        ).all()
    )
    rows, emails = [], []
    for user, subject, body in notices:
        delivery = delivery_for(kind, chosen.get(user.id))
        rows.append(
            {"user_id": user.id, "kind": kind, "title": subject, "link": link, "delivery": delivery}
        )
        if delivery is Delivery.IMMEDIATE:
            unsubscribe = None if kind.rule.must_send else unsubscribe_url(user.id, [kind])
            emails.append(
                outbox.Email(
                    to=user.email,
                    subject=subject,
                    body=with_page_link(body, link),
                    kind=kind,
                    signature=outbox.SIGNATURE + footer(kind, unsubscribe),
                    unsubscribe_url=unsubscribe,
                )
            )
    session.execute(insert(cast(Table, Notification.__table__)), rows)  # Core: plain rows
    outbox.queue_many(session, emails)


def with_page_link(body: str, link: str) -> str:
    """The email's body, ending with the address of the page it is about when the body does
    not give it already ("...is ready on your certificate page" said where, but not how)."""
    url = page_url(link) if link else None
    if url is None or url in body:
        return body
    return f"{body}\n\nOpen it in Portfolio: {url}"


def footer(kind: Kind, unsubscribe: str | None) -> str:
    """The lines under an email that say how to get fewer of its kind (none for must-send)."""
    if kind.rule.must_send:
        return ""
    choose = page_url(PREFERENCES_PATH)
    lines = [""]
    if unsubscribe:
        lines.append(f"Stop emails about {kind.rule.label.lower()}: {unsubscribe}")
    lines.append(
        f"Choose which emails you get: {choose}"
        if choose
        else "Choose which emails you get under Account, Email notifications."
    )
    return "\n".join(lines) + "\n"


def chosen_delivery(session: Session, user_id: int, kind: Kind) -> Delivery | None:
    return session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )


def preferences(session: Session, user: User) -> dict[Kind, Delivery]:
    """The delivery of every kind `user` may choose for (their roles'), the default where they
    never chose."""
    rows = session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery).where(
            NotificationPreference.user_id == user.id
        )
    )
    chosen = {row.kind: row.delivery for row in rows}
    return {
        kind: delivery_for(kind, chosen.get(kind))
        for kind in choosable_kinds(str(role) for role in user.role_names)
    }


def set_preferences(session: Session, user: User, choices: Mapping[str, str]) -> None:
    """Record `user`'s choices (kind name -> delivery name). InvalidInput, naming the field, for
    an unknown kind or delivery or a kind that is always sent; nothing is changed then."""
    parsed: dict[Kind, Delivery] = {}
    problems: dict[str, str] = {}
    for name, value in choices.items():
        kind, delivery = parse_kind(name), parse_delivery(value)
        if kind is None or kind.rule.audience == "none":
            problems[name] = "There is no such kind of notification."
        elif kind.rule.must_send:
            problems[name] = f"{kind.rule.label} are always emailed; they cannot be changed."
        elif delivery is None:
            problems[name] = f"Choose how to get {kind.rule.label.lower()}."
        else:
            parsed[kind] = delivery
    if problems:
        raise InvalidInput.listing(problems)
    for kind, delivery in parsed.items():
        choose(session, user.id, kind, delivery)


def choose(session: Session, user_id: int, kind: Kind, delivery: Delivery) -> None:
    """Set one choice (insert or update), safe against a second request doing the same."""
    if kind.rule.must_send:
        return
    row = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    if row is not None:
        row.delivery, row.updated_at = delivery, utcnow()
        session.flush()
        return
    session.flush()
    try:
        with session.begin_nested():
            session.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
    except IntegrityError:  # the other request inserted it first: ours wins as the later one
        session.execute(
            update(NotificationPreference)
            .where(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind)
            .values(delivery=delivery, updated_at=utcnow())
        )


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(session: Session, user_id: int, *, limit: int = LIST_LIMIT) -> list[Notification]:
    """`user_id`'s newest notifications first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> Notification:
    """Mark one of `user_id`'s notifications read (again: no change). NotFound when there is no
    such notification or it is someone else's."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound("There is no such notification.")
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    """Mark every unread notification of `user_id` read; how many were unread."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def unsubscribe(session: Session, token: str) -> tuple[User, list[Kind]]:
    """Turn off the emails a one-click link names (the kinds that are always sent stay on).
    InvalidUnsubscribeLink for a token we did not make, or whose person no longer exists."""
    request = read_token(token)
    user = session.get(User, request.user_id)
    if user is None:
        raise InvalidUnsubscribeLink(NOT_VALID)
    kinds = [kind for kind in request.kinds if not kind.rule.must_send]
    for kind in kinds:
        choose(session, user.id, kind, Delivery.OFF)
    return user, kinds


def describe_token(session: Session, token: str) -> tuple[User, list[Kind]]:
    """What `unsubscribe` would do with `token`, changing nothing (the confirm page)."""
    request = read_token(token)
    user = session.get(User, request.user_id)
    if user is None:
        raise InvalidUnsubscribeLink(NOT_VALID)
    return user, [kind for kind in request.kinds if not kind.rule.must_send]

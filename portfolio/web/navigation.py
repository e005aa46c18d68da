"""What every template may ask: which pages exist, the signed-in person's menu and how many of
their notifications are unread."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_login import current_user

from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.notifications import unread_count


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


# (role, label, endpoint): shown when the person holds the role and the page exists.
ROLE_PAGES = (
    (Role.CANDIDATE, "My certification", "candidate.dashboard"),
    (Role.REVIEWER, "Reviews", "reviewer.queue"),
    (Role.SUPERVISOR, "My staff", "supervisor.staff"),
    (Role.ADMINISTRATOR, "Administration", "admin.index"),
    (Role.PROVIDER, "My courses", "provider.home"),
    (Role.COMMITTEE, "Appeals committee", "committee.queue"),
    (Role.PROVIDER, "Course completions", "provider.my_providers"),
)


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [
        NavItem(label, url_for(endpoint))
        for role, label, endpoint in ROLE_PAGES
        if endpoint in endpoints and current_user.has_role(role)
    ]


def unread_notifications() -> int | None:
    """The header's count (one query); None for a visitor."""
    if not current_user.is_authenticated or "notifications.index" not in current_app.view_functions:
        return None
    return unread_count(db.session, current_user.id)


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, object]:
        return {
            "url_map_endpoints": app.view_functions.keys(),
            "nav_items": nav_items(),
            "unread_notifications": unread_notifications(),
        }

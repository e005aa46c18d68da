"""Absolute links for emails, and the account settings the services need from the app config."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from portfolio.services.accounts.tokens import Purpose
from portfolio.services.accounts.users import AccountSettings

# The page each kind of emailed token opens.
TOKEN_ENDPOINTS = {
    Purpose.CONFIRM_EMAIL: "auth.confirm",
    Purpose.RESET_PASSWORD: "auth.reset_password",
    Purpose.CHANGE_EMAIL: "account.confirm_email_change",
}


def absolute_url(endpoint: str, **values: Any) -> str:
    """PUBLIC_BASE_URL + the path when configured (behind proxies the request host can lie);
    otherwise the URL of this request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def token_link(purpose: Purpose, token: str) -> str:
    return absolute_url(TOKEN_ENDPOINTS[purpose], token=token)


def account_settings() -> AccountSettings:
    return AccountSettings.from_config(
        current_app.config,
        link=token_link,
        sign_in_url=absolute_url("auth.sign_in"),
        register_url=absolute_url("auth.register"),
    )

"""Supervisors' pages: accepting a candidate's invitation and following the staff who invited
them (pages.py), inviting staff and sponsoring their fees (staff.py). Each view checks that the
supervisor was invited by the candidate it names (404 otherwise)."""

from __future__ import annotations

from flask import Blueprint, current_app

from portfolio.services.applications.supervisors import DEFAULT_MAX_AGE, InvitationSettings
from portfolio.web.account_links import absolute_url

bp = Blueprint("supervisor", __name__, url_prefix="/supervise")


def invitation_settings() -> InvitationSettings:
    """What invitations need from the app config; links point at supervisor.invitation."""
    config = current_app.config
    return InvitationSettings(
        secret_key=str(config["SECRET_KEY"]),
        link=lambda token: absolute_url("supervisor.invitation", token=token),
        max_age=int(config.get("SUPERVISOR_INVITATION_MAX_AGE", DEFAULT_MAX_AGE)),
    )


# The view modules register their routes on `bp` when imported.
from portfolio.web.supervisor import pages, staff  # noqa: E402, F401

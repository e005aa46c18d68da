"""Forms for signing up, signing in and looking after an account (Flask-WTF, CSRF on).

Every field has a length limit, so oversized input gets a field error, never a server error.
The password policy itself lives in domain/accounts/passwords.py and is applied by the services.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portfolio.domain.accounts.names import NAME_MAX_LENGTH
from portfolio.domain.accounts.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH

EMAIL_MAX_LENGTH = 254  # RFC 5321, and the column

REQUIRED_EMAIL = "Enter your email address."
REQUIRED_PASSWORD = "Enter your password."  # noqa: S105 - a message, not a secret
EMAIL_FORMAT = "Enter an email address like name@example.org."


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(REQUIRED_EMAIL),
            Length(max=EMAIL_MAX_LENGTH, message=f"Use at most {EMAIL_MAX_LENGTH} characters."),
            Email(EMAIL_FORMAT, check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )


def password_field(
    label: str, *, autocomplete: str, required: str = REQUIRED_PASSWORD
) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(required),
            Length(
                max=PASSWORD_MAX_LENGTH, message=f"Use at most {PASSWORD_MAX_LENGTH} characters."
            ),
        ],
        render_kw={"autocomplete": autocomplete},
    )


def confirm_field(label: str, of: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Enter the password again."),
            EqualTo(of, message="The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def name_field(
    label: str, required: str = "Enter your name.", autocomplete: str = "name"
) -> StringField:
    """A person's name (domain.accounts.names cleans and checks it again when it is kept);
    `autocomplete` "off" where someone types another person's name."""
    return StringField(
        label,
        validators=[
            DataRequired(required),
            Length(max=NAME_MAX_LENGTH, message=f"Use at most {NAME_MAX_LENGTH} characters."),
        ],
        render_kw={"autocomplete": autocomplete},
    )


class RegisterForm(FlaskForm):
    name = name_field("Full name")
    email = email_field()
    password = password_field(
        "Password", autocomplete="new-password", required="Choose a password."
    )
    confirm_password = confirm_field("Password again", of="password")


class SignInForm(FlaskForm):
    # No format check: an address that was accepted once must always be able to sign in.
    email = EmailField(
        "Email address",
        validators=[
            DataRequired(REQUIRED_EMAIL),
            Length(max=EMAIL_MAX_LENGTH, message=f"Use at most {EMAIL_MAX_LENGTH} characters."),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = password_field("Password", autocomplete="current-password")
    remember = BooleanField("Keep me signed in on this device")


class EmailRequestForm(FlaskForm):
    """One email address: forgotten password, or a new confirmation link."""

    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field(
        "New password", autocomplete="new-password", required="Choose a new password."
    )
    confirm_password = confirm_field("New password again", of="password")


class ChangePasswordForm(FlaskForm):
    current_password = password_field(
        "Current password", autocomplete="current-password", required="Enter your current password."
    )
    new_password = password_field(
        "New password", autocomplete="new-password", required="Choose a new password."
    )
    confirm_password = confirm_field("New password again", of="new_password")


class ChangeEmailForm(FlaskForm):
    new_email = email_field("New email address")
    password = password_field("Your password", autocomplete="current-password")


class ChangeNameForm(FlaskForm):
    name = name_field("Your name")

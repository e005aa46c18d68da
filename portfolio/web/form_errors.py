"""Showing a service's InvalidInput on the form that caused it."""

from __future__ import annotations

from flask_wtf import FlaskForm

from portfolio.domain.errors import DomainError


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put the message next to the field it names, or at the top of the form."""
    if error.field and error.field in form:
        field = form[error.field]
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)

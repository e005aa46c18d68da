"""Forms of the review administration pages, and the two helpers their views share."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portfolio.domain.errors import NotFound
from portfolio.domain.lifecycle import status_title
from portfolio.extensions import db
from portfolio.models import OutcomeStatus, User
from portfolio.services.reviewing import profiles
from portfolio.web.reason_field import WrittenReason

REASON = [WrittenReason()]


class ProfileForm(FlaskForm):
    capacity = IntegerField("Reviews at a time", validators=[NumberRange(1, profiles.MAX_CAPACITY)])
    library = StringField(
        "Library or organisation they work at", validators=[Optional(), Length(max=200)]
    )
    active = BooleanField("Takes new reviews")
    qualifications = SelectMultipleField(
        "Qualified to review",
        choices=[],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,
    )


class SetUpReviewerForm(ProfileForm):
    """One step: who, the sets, capacity and organisation (active from the start)."""

    email = EmailField(
        "Their email address",
        validators=[DataRequired("Give the email address of their account."), Length(max=254)],
    )


class UnavailableForm(FlaskForm):
    starts_on = DateField("First day away", validators=[DataRequired("Give the first day.")])
    ends_on = DateField("Last day away", validators=[DataRequired("Give the last day.")])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


class ConflictForm(FlaskForm):
    candidate_email = EmailField("Candidate's email", validators=[DataRequired(), Length(max=254)])
    reviewer_email = EmailField("Reviewer's email", validators=[DataRequired(), Length(max=254)])
    reason = TextAreaField("What is the conflict?", validators=REASON)


class ReassignForm(FlaskForm):
    reviewer = SelectField("Give it to", choices=[], validate_choice=False)
    reason = TextAreaField("Reason for reassigning", validators=REASON)


class DueDateForm(FlaskForm):
    due_on = DateField("New due date", validators=[DataRequired("Give the new date.")])
    reason = TextAreaField("Reason for moving it", validators=REASON)


class OverrideForm(FlaskForm):
    status = SelectField(
        "New outcome",
        choices=[
            SelectChoice(status.value, status_title(status))
            for status in (OutcomeStatus.MET, OutcomeStatus.NOT_YET_MET)
        ],
    )
    reason = TextAreaField("Reason for the override", validators=REASON)
    # The outcome's revision the page showed (web.admin.reviews._seen_revision).
    revision = HiddenField(id="override-revision")


class ReopenForm(FlaskForm):
    reason = TextAreaField("Reason for reopening", validators=REASON)
    revision = HiddenField(id="reopen-revision")


def set_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, c.label) for c in profiles.set_choices(db.session)]


def current_admin() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def require_found(obj: object | None, what: str = "page") -> None:
    if obj is None:
        raise NotFound(f"We could not find that {what}.")

"""Forms of the portfolio pages. Services repeat every check; these give field-level messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portfolio.domain.ids import MAX_ROW_ID
from portfolio.domain.portfolios.evidence import MAX_CAPTION, MAX_DESCRIPTION, MAX_URL

VERSION_MISSING = "The version of the text is missing; reload the page."


class VersionField(IntegerField):
    """The version the text was loaded at, sent back for optimistic locking."""

    widget = widgets.HiddenInput()


class StatementForm(FlaskForm):
    learning_statement = TextAreaField("Your learning statement")
    version = VersionField(validators=[InputRequired(message=VERSION_MISSING)])


class NarrativeForm(FlaskForm):
    narrative = TextAreaField("Narrative")
    version = VersionField(validators=[InputRequired(message=VERSION_MISSING)])


def _caption(required: bool) -> StringField:
    first = InputRequired(message="Give the artifact a caption.") if required else Optional()
    return StringField(
        "Caption",
        validators=[
            first,
            Length(max=MAX_CAPTION, message=f"A caption can be at most {MAX_CAPTION} characters."),
        ],
    )


def _description() -> TextAreaField:
    message = f"A description can be at most {MAX_DESCRIPTION:,} characters."
    return TextAreaField(
        "Description (optional)", validators=[Length(max=MAX_DESCRIPTION, message=message)]
    )


class LinkArtifactForm(FlaskForm):
    url = StringField(
        "Web address",
        validators=[
            InputRequired(message="Enter the web address of the evidence."),
            Length(max=MAX_URL, message=f"A web address can be at most {MAX_URL:,} characters."),
        ],
    )
    caption = _caption(required=True)
    description = _description()


class FileArtifactForm(FlaskForm):
    upload_id = IntegerField(
        "File",
        validators=[
            InputRequired(message="Choose a file."),
            NumberRange(min=1, max=MAX_ROW_ID, message="Choose a file."),
        ],
    )
    caption = _caption(required=False)
    description = _description()


class AttachForm(FlaskForm):
    # Choices are the candidate's own artifacts; an id from elsewhere is looked up (and 404s)
    # rather than refused as "not a valid choice".
    artifact_id = SelectField(
        "Artifact",
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired(message="Choose an artifact."),
            NumberRange(min=1, max=MAX_ROW_ID, message="Choose an artifact."),
        ],
    )


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ArtifactForm(FlaskForm):
    caption = _caption(required=True)
    description = _description()
    competencies = CheckboxesField(
        "Competencies this artifact supports", coerce=int, validate_choice=False
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: pressing the button is the confirmation."""

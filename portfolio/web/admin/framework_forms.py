"""Forms of the framework editor. Rubric fields follow the framework's own levels."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portfolio.domain.errors import DomainError
from portfolio.models import Competency, Framework
from portfolio.web.form_errors import show_error


class EditorForm(FlaskForm):
    """Several of these share one page, so each has a prefix and none renders its own CSRF
    field: CSRFProtect checks the page's single `csrf_token` on every POST before the view."""

    class Meta:
        csrf = False


class DetailsForm(EditorForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description")


class RulesForm(EditorForm):
    rules = TextAreaField(
        "Program rules (YAML)",
        validators=[DataRequired()],
        render_kw={"rows": 30, "spellcheck": "false", "class": "code"},
    )


class SetForm(EditorForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=30)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("required", "Required"), SelectChoice("elective", "Elective")],
        default="elective",
    )
    scope = TextAreaField("Scope")


class CompetencyFields(EditorForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=30)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Statement")
    provisional = BooleanField("Provisional: not yet confirmed by the program office")


def rubric_form(framework: Framework, **kwargs: Any) -> EditorForm:
    """Label and default descriptor of each of the framework's rubric levels."""

    class RubricForm(EditorForm):
        pass

    for level in framework.rubric_levels:
        setattr(
            RubricForm,
            f"{level.key}_label",
            StringField(
                f"Label of level “{level.key}”",
                validators=[DataRequired(), Length(max=60)],
                default=level.label,
            ),
        )
        setattr(
            RubricForm,
            f"{level.key}_descriptor",
            TextAreaField(f"Default descriptor for “{level.label}”", default=level.descriptor),
        )
    return RubricForm(prefix="rubric", **kwargs)


def competency_form(
    framework: Framework, competency: Competency | None = None, **kwargs: Any
) -> EditorForm:
    """The competency's fields plus one optional descriptor per rubric level."""

    class CompetencyForm(CompetencyFields):
        pass

    current = {d.level_key: d.text for d in competency.descriptors} if competency else {}
    for level in framework.rubric_levels:
        setattr(
            CompetencyForm,
            f"rubric_{level.key}",
            TextAreaField(
                f"Descriptor for “{level.label}” (leave empty to use the default)",
                default=current.get(level.key, ""),
            ),
        )
    return CompetencyForm(obj=competency, **kwargs)


def competency_fields(form: EditorForm, framework: Framework) -> dict[str, Any]:
    """What the draft service's add/update_competency take, read from a submitted form."""
    return {
        "code": form["code"].data or "",
        "title": form["title"].data or "",
        "description": form["description"].data or "",
        "provisional": bool(form["provisional"].data),
        "rubric": {
            level.key: form[f"rubric_{level.key}"].data or "" for level in framework.rubric_levels
        },
    }


def show_service_error(form: EditorForm, error: DomainError) -> None:
    """The service names fields like `rubric-met` or `met-label`; the forms use underscores."""
    if error.field:
        error.field = error.field.replace("-", "_")
    show_error(form, error)

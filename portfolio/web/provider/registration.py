"""An organisation registers as a course provider; the person registering acts for it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.extensions import db
from portfolio.services.courses import providers
from portfolio.web.form_errors import show_error
from portfolio.web.provider import bp, current_member


class ProviderForm(FlaskForm):
    name = StringField("Organisation's name", validators=[Length(max=providers.MAX_NAME)])
    kind = SelectField(
        "Kind of organisation",
        choices=[SelectChoice("", "Choose one")]
        + [SelectChoice(k.value, label) for k, label in providers.KIND_LABELS.items()],
        validate_choice=False,
    )
    website = StringField("Website (optional)")
    description = TextAreaField(
        "What you teach, and for whom (optional)",
        validators=[Length(max=providers.MAX_DESCRIPTION)],
    )


@bp.get("/provider/register")
def register_form() -> str:
    return render_template("provider/register.html", form=ProviderForm())


@bp.post("/provider/register")
def register() -> Response | tuple[str, int]:
    form = ProviderForm()
    if form.validate():
        try:
            provider = providers.register_provider(
                db.session,
                current_member(),
                name=form.name.data,
                kind=form.kind.data,
                website=form.website.data,
                description=form.description.data,
            )
        except (InvalidInput, Conflict) as exc:
            for field, message in exc.problems.items() or [(exc.field, exc.message)]:
                show_error(form, type(exc)(message, field=field))
            return render_template("provider/register.html", form=form), exc.status
        flash(f"{provider.name} is registered. You can now apply for course approval.", "success")
        return redirect(url_for("provider.home"))
    return render_template("provider/register.html", form=form), 422

"""The email-preferences form: one radio group per kind the person may choose for."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from portfolio.domain.notifications import Delivery, Kind


class PreferencesForm(FlaskForm):
    """Fields are added per person (their roles decide the kinds); see preferences_form."""


def preferences_form(
    current: Mapping[Kind, Delivery], *, formdata: object = None, from_request: bool = False
) -> PreferencesForm:
    """A form with a radio group named after each kind in `current`, set to its delivery."""

    class Form(PreferencesForm):
        pass

    for kind, delivery in current.items():
        setattr(
            Form,
            kind.value,
            RadioField(
                kind.rule.label,
                choices=[SelectChoice(choice.value, choice.label) for choice in Delivery],
                default=delivery.value,
                description=kind.rule.description,
            ),
        )
    if from_request:
        return Form()
    return Form(formdata=formdata)


def choices_of(form: PreferencesForm, kinds: list[Kind]) -> dict[str, str]:
    return {kind.value: str(form[kind.value].data) for kind in kinds}

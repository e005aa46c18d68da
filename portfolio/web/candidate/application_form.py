"""The application form: every field as typed, which of them are valid, and their errors.

A plain WTForms form (the app's CSRFProtect checks every POST), built from a formdata mapping
so that the same code reads a fresh POST and a saved draft: the draft is stored as typed and
replayed through the form, which is how a save never loses text, valid or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, ValidationError

from portfolio.domain.applications.countries import country_choices
from portfolio.domain.applications.eligibility import ExperienceEntry
from portfolio.domain.applications.fees import awarding_bodies
from portfolio.domain.programs.rules import ProgramRules
from portfolio.models import Application, PaymentPlan
from portfolio.services.applications.experience import (
    LIBRARY_TYPES,
    PAID_CHOICES,
    ParsedEntry,
    parse_entry,
)

MAX_ENTRIES = 40
YES_NO = (("yes", "Yes"), ("no", "No"))
PAYMENT_PLANS = (("fee", "I will pay the fee"), ("scholarship", "With a scholarship I hold"))


def options(pairs: Sequence[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class EntryForm(Form):
    library = StringField("Library")
    library_type = SelectField(
        "Type of library",
        choices=options([("", "Choose one"), *LIBRARY_TYPES]),
        validate_choice=False,
    )
    role = StringField("Your role")
    paid = RadioField("Paid or unpaid", choices=options(PAID_CHOICES), validate_choice=False)
    start_date = StringField("Start date", render_kw={"type": "date"})
    end_date = StringField("End date", render_kw={"type": "date"})
    hours_per_week = StringField("Hours per week", render_kw={"inputmode": "decimal"})


def _one_of(choices: tuple[tuple[str, str], ...]) -> Any:
    allowed = {value for value, _ in choices}

    def check(form: Form, field: Any) -> None:
        if field.data not in allowed and field.data not in ("", None):
            raise ValidationError("Choose one of the options.")

    return check


class ApplicationForm(Form):
    version = HiddenField()
    phone = StringField("Phone", [Length(max=40)], filters=[_strip])
    address = StringField("Street address", [Length(max=300)], filters=[_strip])
    city = StringField("City or town", [Length(max=100)], filters=[_strip])
    region = StringField("State, province or region", [Length(max=100)], filters=[_strip])
    postal_code = StringField("ZIP or postal code", [Length(max=20)], filters=[_strip])
    country = SelectField("Country", choices=options(country_choices()))
    has_diploma = RadioField(
        "Do you have a high-school diploma or equivalent (such as a GED)?",
        [_one_of(YES_NO)],
        choices=options(YES_NO),
        validate_choice=False,
    )
    education_country = SelectField(
        "Country where you completed your education", choices=options(country_choices())
    )
    entries = FieldList(FormField(EntryForm), max_entries=MAX_ENTRIES)
    is_member = BooleanField("I am a member of the association (member fee)")
    member_number = StringField("Member number", [Length(max=40)], filters=[_strip])
    payment_plan = RadioField(
        "How will you pay?",
        [_one_of(PAYMENT_PLANS)],
        choices=options(PAYMENT_PLANS),
        validate_choice=False,
    )
    scholarship_key = SelectField("Scholarship", validate_choice=True)
    # Labelled by build_form with the awarding bodies of the program's scholarships.
    awarding_body_member = BooleanField("I am a member of the scholarship's awarding body")
    supervisor_email = StringField(
        "Your supervisor's email address (optional)",
        [Optional(), Length(max=254), Email("Enter an email address like name@example.org.")],
        filters=[_strip],
    )

    parsed_entries: list[ParsedEntry]

    def check(self, today: date) -> bool:
        """Validate every field, the entries through services.applications.experience.

        True when every field is clean."""
        self.validate()
        self.parsed_entries = []
        for item in self.entries:
            raw = {name: sub.data for name, sub in item.form._fields.items()}
            parsed = parse_entry(raw, today)
            self.parsed_entries.append(parsed)
            for name, message in parsed.errors.items():
                item.form[name].errors = [*item.form[name].errors, message]
        return not self.has_errors()

    def has_errors(self) -> bool:
        return bool(self.error_list())

    def error_list(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for every error, in the order of the page."""
        found = []
        for name, field in self._fields.items():
            if name == "entries":
                for number, item in enumerate(self.entries, 1):
                    for sub in item.form:
                        found += [
                            (sub.id, f"Entry {number}, {sub.label.text}", e) for e in sub.errors
                        ]
            else:
                found += [(field.id, field.label.text, error) for error in field.errors]
        return found

    def valid_values(self) -> dict[str, Any]:
        """The application fields whose value passed the checks, as the columns store them."""
        values: dict[str, Any] = {}
        for name in (
            "phone",
            "address",
            "city",
            "region",
            "postal_code",
            "member_number",
            "country",
            "education_country",
            "scholarship_key",
        ):
            if not self[name].errors:
                values[name] = self[name].data or ""
        if not self.has_diploma.errors:
            values["has_diploma"] = {"yes": True, "no": False}.get(self.has_diploma.data or "")
        if not self.payment_plan.errors and self.payment_plan.data:
            values["payment_plan"] = PaymentPlan(self.payment_plan.data)
        values["is_member"] = bool(self.is_member.data)
        values["awarding_body_member"] = bool(self.awarding_body_member.data)
        if not self.supervisor_email.errors:
            values["supervisor_email"] = (self.supervisor_email.data or "").lower()
        return values

    def valid_entries(self) -> list[ExperienceEntry]:
        return [p.entry for p in self.parsed_entries if p.entry is not None]

    def entries_for_hours(self) -> list[ExperienceEntry | None]:
        """Every entry typed (blank rows left out), None for those not valid yet."""
        return [p.entry for p in self.parsed_entries if not p.blank]

    def hours_by_entry(self, counted: Sequence[int | None]) -> list[int | None]:
        """`counted` (one per entry given to hours_report) lined up with the rows of the form."""
        given = iter(counted)
        return [None if p.blank else next(given) for p in self.parsed_entries]

    def typed(self) -> dict[str, str]:
        """Every field as typed, entries numbered as they stand now (after add or remove)."""
        typed: dict[str, str] = {}
        for name, field in self._fields.items():
            if name == "entries":
                for number, item in enumerate(self.entries):
                    for sub_name, sub in item.form._fields.items():
                        # Blank values too: a row just added must still be there after saving.
                        typed[f"entries-{number}-{sub_name}"] = _raw(sub) or ""
            elif name != "version":
                value = _raw(field)
                if value is not None:
                    typed[name] = value
        return typed


def _raw(field: Any) -> str | None:
    if field.type == "BooleanField":
        return "y" if field.data else None
    if field.raw_data:
        return str(field.raw_data[0])
    return None if field.data in (None, "") else str(field.data)


def record_as_typed(application: Application) -> dict[str, str]:
    """The saved record in the form's field names (for an application saved before)."""
    typed = {
        name: str(getattr(application, name) or "")
        for name in ("phone", "address", "city", "region", "postal_code", "country")
    }
    typed |= {
        "education_country": application.education_country,
        "member_number": application.member_number,
        "payment_plan": application.payment_plan.value,
        "scholarship_key": application.scholarship_key,
        "supervisor_email": application.supervisor_email,
    }
    if application.has_diploma is not None:
        typed["has_diploma"] = "yes" if application.has_diploma else "no"
    if application.is_member:
        typed["is_member"] = "y"
    if application.awarding_body_member:
        typed["awarding_body_member"] = "y"
    for number, row in enumerate(application.experience):
        values = {
            "library": row.library,
            "library_type": row.library_type,
            "role": row.role,
            "paid": "paid" if row.paid else "unpaid",
            "start_date": row.start_date.isoformat(),
            "end_date": row.end_date.isoformat() if row.end_date else "",
            "hours_per_week": f"{row.hours_per_week.normalize():f}",
        }
        typed |= {f"entries-{number}-{key}": value for key, value in values.items()}
    return typed


def build_form(
    application: Application, rules: ProgramRules, formdata: Mapping[str, str] | None = None
) -> ApplicationForm:
    """The form for `application`, filled from `formdata` (a POST), else from the draft as last
    typed, else from the saved record; always with at least one entry row to fill."""
    if formdata is None:
        formdata = MultiDict(application.form_input or record_as_typed(application))
    form = ApplicationForm(formdata=formdata)
    form.scholarship_key.choices = options(
        [("", "None"), *((s.key, s.name) for s in rules.fees.scholarships)]
    )
    if rules.fees.member_of:
        form.is_member.label.text = f"I am a member of {rules.fees.member_of} (member fee)"
    bodies = awarding_bodies(rules.fees)
    if bodies:
        form.awarding_body_member.label.text = (
            f"I am a member of {' or '.join(bodies)} (needed for its scholarships; this is not "
            "the member fee)"
        )
    form.version.data = form.version.data or str(application.version)
    if not form.entries.entries:
        form.entries.append_entry()
    return form

"""Supervisors acting for their staff: inviting them to apply (and renewing an invitation),
sharing the application form, and sponsoring a linked candidate's fee. Also the staff side of
an invitation: opening and accepting it, which links them and starts their application.

Routes join the supervisor blueprint; supervisor pages check the role, the staff side only
needs the invited person signed in.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portfolio.domain.applications.fees import format_money
from portfolio.domain.applications.invitations import MAX_ADDRESSES, TEXT_LIMIT
from portfolio.domain.errors import InvalidInput
from portfolio.domain.money import parse_amount
from portfolio.extensions import db
from portfolio.models import Role, User
from portfolio.models.base import utcnow
from portfolio.services.accounts.tokens import InvalidLink
from portfolio.services.applications import payments, sponsorship, staff_invitations
from portfolio.services.applications.supervisors import DEFAULT_MAX_AGE
from portfolio.services.programs.queries import published_programs
from portfolio.web import access
from portfolio.web.account_links import absolute_url
from portfolio.web.form_errors import show_error
from portfolio.web.supervisor import bp


class InviteForm(Form):
    program = SelectField("Program")
    # Bounded twice: the text (so 10,000 addresses are refused unread) and the count.
    emails = TextAreaField(
        f"Email addresses of your staff (at most {MAX_ADDRESSES}, separated by commas or lines)",
        [DataRequired("Enter at least one email address."), Length(max=TEXT_LIMIT)],
    )


class SponsorForm(Form):
    amount = StringField(
        "Amount you pay, in dollars",
        [DataRequired("Enter the amount you pay.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    method = SelectField(
        "How you pay",
        choices=[
            SelectChoice(v, label) for v, label in [("", "Choose one"), *payments.PAYMENT_METHODS]
        ],
    )
    reference = StringField(
        "Reference (check number or purchase order; never card numbers)",
        [Length(max=payments.REFERENCE_LIMIT)],
        render_kw={"autocomplete": "off"},
    )


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def settings() -> staff_invitations.StaffInvitationSettings:
    config = current_app.config
    return staff_invitations.StaffInvitationSettings(
        secret_key=str(config["SECRET_KEY"]),
        link=lambda token: absolute_url("supervisor.join", token=token),
        max_age=int(config.get("SUPERVISOR_INVITATION_MAX_AGE", DEFAULT_MAX_AGE)),
    )


def _invite_form(formdata: object = None) -> InviteForm:
    form = InviteForm(formdata, prefix="invite")  # type: ignore[arg-type]
    form.program.choices = [SelectChoice(p.slug, p.name) for p in published_programs(db.session)]
    return form


def _invite_page(form: InviteForm) -> str:
    programs = published_programs(db.session)
    now = utcnow()
    sent = staff_invitations.invitations_of(db.session, _me())
    return render_template(
        "supervisor/invite.html",
        form=form,
        sent=sent,
        expires={i.id: staff_invitations.expires_at(i, settings()) for i in sent},
        now=now,
        share_links=[
            (p.name, absolute_url("candidate.new_application", program=p.slug)) for p in programs
        ],
    )


@bp.get("/invite")
@login_required
def invite() -> str:
    access.require_role(Role.SUPERVISOR)
    return _invite_page(_invite_form())


@bp.post("/invite")
@login_required
def send_invitations() -> Response | tuple[str, int]:
    access.require_role(Role.SUPERVISOR)
    form = _invite_form(request.form)
    if form.validate():
        try:
            sent = staff_invitations.invite_staff(
                db.session,
                _me(),
                emails=form.emails.data or "",
                program_slug=form.program.data or "",
                settings=settings(),
            )
        except InvalidInput as exc:
            show_error(form, exc)  # type: ignore[arg-type]
        else:
            flash(f"Invitations sent: {len(sent)}.", "success")
            return redirect(url_for("supervisor.invite"))
    elif form.emails.errors and len(request.form.get("invite-emails", "")) > TEXT_LIMIT:
        form.emails.errors = [
            f"Invite at most {MAX_ADDRESSES} people at once; send several invitations for more."
        ]
    return _invite_page(form), 422


@bp.post("/invite/<int:invitation_id>/renew")
@login_required
def renew_invitation(invitation_id: int) -> Response:
    access.require_role(Role.SUPERVISOR)
    invitation = staff_invitations.renew_invitation(db.session, _me(), invitation_id, settings())
    flash(
        f"A new invitation went to {invitation.email}; the earlier link no longer works.", "success"
    )
    return redirect(url_for("supervisor.invite"))


@bp.get("/join/<token>")
def join(token: str) -> str | tuple[str, int]:
    try:
        invitation = staff_invitations.read_invitation(db.session, settings(), token)
    except InvalidLink as exc:
        return render_template("supervisor/join.html", problem=exc.message), 400
    if current_user.is_authenticated and current_user.email.lower() != invitation.email:
        problem = staff_invitations.OTHER_ADDRESS
        return render_template("supervisor/join.html", problem=problem), 403
    supervisor = db.session.get(User, invitation.supervisor_id)
    return render_template(
        "supervisor/join.html", invitation=invitation, supervisor=supervisor, token=token
    )


@bp.post("/join/<token>")
@login_required
def accept_join(token: str) -> Response | tuple[str, int]:
    try:
        invitation = staff_invitations.read_invitation(db.session, settings(), token)
    except InvalidLink as exc:
        return render_template("supervisor/join.html", problem=exc.message), 400
    staff_invitations.accept_invitation(db.session, invitation, _me())
    flash("Your supervisor is linked: they will follow your progress once you apply.", "success")
    return redirect(url_for("candidate.new_application", program=invitation.program_slug))


def _sponsor_page(candidate_id: int, form: SponsorForm) -> str:
    # First of all: someone who did not link this supervisor is "not found" (404).
    application = sponsorship.sponsorable_application(db.session, _me(), candidate_id)
    statement = payments.current_statement(db.session, application) if application else None
    return render_template(
        "supervisor/sponsor.html",
        form=form,
        application=application,
        statement=statement,
        candidate=db.session.get(User, candidate_id),
        money=format_money,
    )


@bp.get("/staff/<int:candidate_id>/sponsor")
@login_required
def sponsor_page(candidate_id: int) -> str:
    access.require_role(Role.SUPERVISOR)
    return _sponsor_page(candidate_id, SponsorForm(prefix="sponsor"))


@bp.post("/staff/<int:candidate_id>/sponsor")
@login_required
def sponsor(candidate_id: int) -> Response | tuple[str, int]:
    access.require_role(Role.SUPERVISOR)
    sponsorship.sponsorable_application(db.session, _me(), candidate_id)  # 404 for strangers
    form = SponsorForm(request.form, prefix="sponsor")
    if form.validate():
        try:
            sponsorship.sponsor_fee(
                db.session,
                _me(),
                candidate_id,
                amount_cents=parse_amount(form.amount.data or ""),
                method=form.method.data or "",
                reference=form.reference.data or "",
                today=utcnow().date(),
            )
        except InvalidInput as exc:
            show_error(form, exc)  # type: ignore[arg-type]
        else:
            flash(f"Recorded: you paid {form.amount.data} toward the fee.", "success")
            return redirect(url_for("supervisor.candidate", candidate_id=candidate_id))
    return _sponsor_page(candidate_id, form), 422

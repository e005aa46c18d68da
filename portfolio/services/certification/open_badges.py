"""Each certificate's Open Badges 3.0 credential: issued and signed when the certificate is
(and by `flask certificates issue-credentials` for those issued before), stored exactly as
signed, and handed to its holder while the certificate is valid.

The credential is built by domain.certification.credentials from the certificate, its holder,
its program and how each set was met; the proof is services.certification.signing's. Everything
here flushes; the request or command commits.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.credentials import (
    CredentialFacts,
    SetResult,
    issuer_profile,
    open_badge_credential,
)
from portfolio.domain.certification.evaluation import CertificateStatus, SetState
from portfolio.domain.certification.status_list import status_entry
from portfolio.domain.dates import utc_instant
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.programs.rules_text import describe_rules
from portfolio.models import (
    Certificate,
    Enrollment,
    EnrollmentSet,
    Framework,
    IssuedCredential,
    SetKind,
    StatusListCredential,
    User,
)
from portfolio.services import audit
from portfolio.services.certification.issuer import Issuer
from portfolio.services.certification.numbers import status_of
from portfolio.services.certification.set_states import set_states
from portfolio.services.certification.signing import sign
from portfolio.services.certification.status_lists import (
    allocate_index,
    allocate_indices,
    refresh_status_list,
)
from portfolio.services.programs.versions import load_rules

_PUBLIC_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
# What the criteria say about each route; the program's rules say the rest.
_ROUTES = (
    "Each set is met either by a portfolio of evidence scored against the program's rubric, "
    "or by an approved course whose completion the program office has verified."
)


def issue_credential(
    session: Session, certificate: Certificate, issuer: Issuer, now: datetime
) -> IssuedCredential:
    """Sign and store a new credential for `certificate` (its status list bit is allocated
    first, once). The first credential ever issued also stores the status list."""
    index = allocate_index(session, certificate)
    enrollment = _enrollment(session, certificate.enrollment_id)
    (credential_id,) = _sign_and_store(
        session, [(certificate, enrollment, set_states(enrollment), index)], issuer, now
    )
    credential = session.get(IssuedCredential, credential_id)
    assert credential is not None  # stored just now
    return credential


def issue_credentials(
    session: Session,
    certified: Sequence[tuple[Certificate, Enrollment, Sequence[SetState]]],
    issuer: Issuer,
    now: datetime,
) -> list[int]:
    """issue_credential for many new certificates at once (the batch evaluation), in a number
    of queries that does not grow with them: each with its enrollment (its holder and program
    loaded) and the states of its sets, as the evaluation read them. The credentials' ids."""
    allocate_indices(session, [certificate for certificate, _e, _s in certified])
    return _sign_and_store(
        session,
        [(c, e, states, _index(c)) for c, e, states in certified],
        issuer,
        now,
    )


def _sign_and_store(
    session: Session,
    certified: Sequence[tuple[Certificate, Enrollment, Sequence[SetState], int]],
    issuer: Issuer,
    now: datetime,
) -> list[int]:
    """Sign each certificate's credential and store them all; their ids, in the same order."""
    criteria: dict[int, str] = {}  # per program: the same words for every holder
    rows, public_ids = [], []
    for certificate, enrollment, states, index in certified:
        public_id = str(uuid.uuid4())
        public_ids.append(public_id)
        framework = enrollment.framework
        if framework.id not in criteria:
            criteria[framework.id] = _criteria(framework)
        facts = _facts(
            certificate, enrollment, states, criteria[framework.id], issuer, public_id, index
        )
        signed = sign(open_badge_credential(facts), issuer.signing_key, _instant(now))
        rows.append(
            {
                "public_id": public_id,
                "certificate_id": certificate.id,
                "document": json.dumps(signed, ensure_ascii=False),
                "key_id": issuer.signing_key.key_id,
                "issued_at": now,
            }
        )
    # One insert, read back by the random ids: as many statements for one as for thousands.
    session.execute(insert(cast(Table, IssuedCredential.__table__)), rows)
    query = select(IssuedCredential.public_id, IssuedCredential.id).where(
        IssuedCredential.public_id.in_(public_ids)
    )
    stored = dict(session.execute(query).all())  # rows of (public id, id)
    ids = [stored[public_id] for public_id in public_ids]
    # At certification or by the backfill command: every signature the issuer makes is on record.
    audit.record_many(
        session,
        actor=None,
        action=AuditAction.CREDENTIAL_ISSUED,
        object_type="credential",
        entries=[
            (
                credential_id,
                {
                    "certificate": certificate.number,
                    "public_id": public_id,
                    "key_id": issuer.signing_key.key_id,
                    "status_index": index,
                },
            )
            for credential_id, public_id, (certificate, _e, _s, index) in zip(
                ids, public_ids, certified, strict=True
            )
        ],
    )
    if ids and session.get(StatusListCredential, 1) is None:
        refresh_status_list(session, issuer, now)
    return ids


def _index(certificate: Certificate) -> int:
    assert certificate.status_index is not None  # allocated just before
    return certificate.status_index


def issue_missing(session: Session, issuer: Issuer, now: datetime) -> int:
    """Issue a credential to every certificate that has none yet; how many were issued."""
    has_one = select(IssuedCredential.certificate_id)
    missing = session.scalars(
        select(Certificate).where(Certificate.id.not_in(has_one)).order_by(Certificate.id)
    ).all()
    for certificate in missing:
        issue_credential(session, certificate, issuer, now)
    return len(missing)


def latest_credential(session: Session, certificate: Certificate) -> IssuedCredential | None:
    return session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.certificate_id == certificate.id)
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
        .limit(1)
    )


def credential_for_holder(
    session: Session, holder: User, number: str, today: date
) -> IssuedCredential:
    """The holder's newest credential of their certificate `number`.

    NotFound when there is no such certificate or it is someone else's (the same answer, on
    purpose); Conflict when it is revoked or expired, or its credential is not issued yet.
    """
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None or certificate.user_id != holder.id:
        raise NotFound("We could not find that certificate among yours.")
    _require_valid(status_of(certificate, today))
    credential = latest_credential(session, certificate)
    if credential is None:
        raise Conflict(
            "The credential of this certificate has not been issued yet. The program office "
            "issues it; try again later."
        )
    return credential


def public_credential(session: Session, public_id: str, today: date) -> IssuedCredential:
    """The credential whose URL ends in `public_id`, while its certificate is valid.

    NotFound for an id that is not one; Conflict when the certificate is revoked or expired
    (a verifier holding a copy learns that from the status list and the dates anyway).
    """
    if not _PUBLIC_ID.fullmatch(public_id):
        raise NotFound("We could not find that credential.")
    credential = session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.public_id == public_id)
        .options(joinedload(IssuedCredential.certificate))
    )
    if credential is None:
        raise NotFound("We could not find that credential.")
    _require_valid(status_of(credential.certificate, today))
    return credential


def profile_document(issuer: Issuer) -> dict[str, object]:
    return issuer_profile(
        issuer_id=issuer.id, name=issuer.name, url=issuer.base_url, keys=issuer.profile_keys
    )


def _require_valid(status: CertificateStatus) -> None:
    if not status.valid:
        raise Conflict(
            f"This certificate is no longer valid ({status.label}), so its credential is no "
            "longer handed out."
        )


def _enrollment(session: Session, enrollment_id: int) -> Enrollment:
    enrollment = session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id)
        .options(
            selectinload(Enrollment.sets).joinedload(EnrollmentSet.competency_set),
            joinedload(Enrollment.framework),
            joinedload(Enrollment.user),
        )
    )
    assert enrollment is not None  # a certificate's enrollment is a foreign key
    return enrollment


def _criteria(framework: Framework) -> str:
    """The program's requirements in words, as the credential's criteria say them."""
    rules = load_rules(framework)
    sections = describe_rules(
        rules,
        set_names={s.code: s.name for s in framework.sets},
        electives_available=sum(s.kind is SetKind.ELECTIVE for s in framework.sets),
    )
    criteria = " ".join(
        sentence
        for section in sections
        if section.heading in ("What you complete", "How portfolios are reviewed")
        for sentence in section.sentences
    )
    return f"{criteria} {_ROUTES}"


def _facts(
    certificate: Certificate,
    enrollment: Enrollment,
    states: Sequence[SetState],
    criteria: str,
    issuer: Issuer,
    public_id: str,
    index: int,
) -> CredentialFacts:
    framework, holder = enrollment.framework, enrollment.user
    met = [s for s in states if s.met]
    return CredentialFacts(
        credential_id=issuer.credential_url(public_id),
        issuer_id=issuer.id,
        issuer_name=issuer.name,
        issuer_url=issuer.base_url,
        achievement_id=issuer.program_url(framework.slug, framework.version),
        program_name=framework.name,
        program_description=framework.description,
        criteria=criteria,
        holder_name=holder.name,
        holder_email=holder.email,
        salt=secrets.token_hex(16),
        sets=[SetResult(s.code, s.name, _sentence(s.how)) for s in met],
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        certificate_number=certificate.number,
        status=status_entry(issuer.status_list_url(), index),
    )


def _sentence(how: str) -> str:
    return how[:1].upper() + how[1:] + "."


def _instant(now: datetime) -> str:
    return utc_instant(now)


def parsed(credential: IssuedCredential) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(credential.document)
    return document

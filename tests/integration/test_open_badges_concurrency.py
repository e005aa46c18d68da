"""Two revocations at the same moment: the status list signed last holds both bits (the list's
row is locked before it is recomputed). PostgreSQL only: real commits on separate connections."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portfolio.domain.certification.status_list import decode_list
from portfolio.models import Certificate, Role, StatusListCredential, User
from portfolio.models.base import utcnow
from portfolio.services.certification import certificate_admin
from tests.helpers import make_user
from tests.integration.test_certificate_admin import certify
from tests.review_fixtures import make_framework

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def engine(committed_engine: Engine) -> Engine:
    return committed_engine


def test_two_revocations_at_once_both_reach_the_status_list(app, engine):
    tag = uuid.uuid4().hex[:8]
    with app.app_context(), Session(engine) as setup:
        admin = make_user(setup, f"admin-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
        framework = make_framework(setup, slug=f"badges-{tag}")
        first = certify(setup, framework, admin, email=f"a-{tag}@example.org")
        second = certify(setup, framework, admin, email=f"b-{tag}@example.org")
        setup.commit()
        ids, admin_id = [first.id, second.id], admin.id
        indices = {first.status_index, second.status_index}

    # The first revocation has signed its list but not committed when the second one starts.
    first_signed = threading.Event()
    failures: list[BaseException] = []

    def revoke(certificate_id: int, *, first: bool) -> None:
        try:
            with app.app_context(), Session(engine) as session:
                certificate = session.get(Certificate, certificate_id)
                actor = session.get(User, admin_id)
                if not first:
                    assert first_signed.wait(timeout=30)
                certificate_admin.revoke_certificate(
                    session, certificate, actor=actor, reason="Issued in error.", now=utcnow()
                )
                if first:
                    first_signed.set()
                    time.sleep(0.5)  # the second one reaches the list meanwhile
                session.commit()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=revoke, args=(ids[0],), kwargs={"first": True}),
        threading.Thread(target=revoke, args=(ids[1],), kwargs={"first": False}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with Session(engine) as check:
        stored = check.get(StatusListCredential, 1)
        document = json.loads(stored.document)
    assert indices <= decode_list(document["credentialSubject"]["encodedList"])

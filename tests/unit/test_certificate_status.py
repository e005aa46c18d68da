"""A certificate's status on a given day: valid through its last day, then expired; revoked
outranks both."""

from __future__ import annotations

from datetime import date

from portfolio.domain.certification.evaluation import certificate_status

LAST_DAY = date(2030, 3, 3)


def test_valid_through_its_last_day_and_expired_the_day_after():
    assert certificate_status(LAST_DAY, None, "", LAST_DAY).label == "Valid"
    assert certificate_status(LAST_DAY, None, "", LAST_DAY).valid
    expired = certificate_status(LAST_DAY, None, "", date(2030, 3, 4))
    assert (expired.valid, expired.label) == (False, "Expired on 4 March 2030")


def test_revoked_outranks_valid_and_expired_and_keeps_its_reason():
    for today in (date(2029, 1, 1), date(2031, 1, 1)):
        status = certificate_status(LAST_DAY, date(2028, 12, 31), "Issued in error.", today)
        assert (status.valid, status.label) == (False, "Revoked on 31 December 2028")
        assert status.reason == "Issued in error."

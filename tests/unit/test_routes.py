"""Which routes a set may take now (domain.enrollment.routes)."""

from __future__ import annotations

import pytest

from portfolio.domain.enrollment.routes import (
    CLOSED_COURSE_ONLY,
    FIXED,
    route_refusal,
    routes_open,
)
from portfolio.domain.lifecycle import SetLifecycle as S


@pytest.mark.parametrize("status", [S.NOT_STARTED, S.DRAFT])
def test_before_anything_is_submitted_either_route_may_be_chosen(status):
    assert routes_open(status, "undecided") == {"course", "portfolio"}
    assert route_refusal(status, "course", "portfolio") is None


@pytest.mark.parametrize(
    "status", [S.SUBMITTED, S.IN_REVIEW, S.NEEDS_ADJUDICATION, S.NOT_YET_MET, S.RESUBMITTED, S.MET]
)
def test_once_work_is_submitted_the_route_is_fixed(status):
    assert routes_open(status, "portfolio") == frozenset()
    assert route_refusal(status, "portfolio", "course") == FIXED
    assert route_refusal(status, "portfolio", "portfolio") is None  # keeping it is fine


def test_a_portfolio_closed_as_not_met_may_turn_to_a_course_and_never_back():
    assert routes_open(S.CLOSED_NOT_MET, "portfolio") == {"course"}
    assert route_refusal(S.CLOSED_NOT_MET, "portfolio", "course") is None
    # Once on the course route, its details may change, but the portfolio stays closed.
    assert route_refusal(S.CLOSED_NOT_MET, "course", "course") is None
    assert route_refusal(S.CLOSED_NOT_MET, "course", "portfolio") == CLOSED_COURSE_ONLY

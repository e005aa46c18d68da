"""The scoring screen in a real browser: axe-clean, usable from the keyboard, autosaving, and a
second tab told about the conflict instead of overwriting."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import Assignment, ReviewRating, Role
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import make_user
from tests.review_fixtures import make_world, submit
from tests.web.conftest import assert_accessible

PASSWORD = "a reviewer's long passphrase"


def seed(live_app, *, decided: bool = False) -> dict[str, object]:
    with live_app.app_context():
        session = db.session
        world = make_world(session)
        assignments.assign_for_submission(session, world.submission, clock.today())
        a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        for person in (a.reviewer, world.candidate):
            person.password_hash = hash_password(PASSWORD)
        make_user(session, "admin@example.org", password=PASSWORD, roles=(Role.ADMINISTRATOR,))
        if decided:
            submit(session, world, a, "partially_met")
            submit(session, world, b, "met")
        session.commit()
        return {
            "assignment": a.id,
            "reviewer": a.reviewer.email,
            "candidate": world.candidate.email,
            "submission": world.submission.id,
            "c1": world.competencies[0].id,
        }


def sign_in(page: Page, live: str, email: str, next_path: str) -> None:
    page.goto(f"{live}/sign-in?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def saved_level(live_app, assignment_id: int, competency_id: int) -> str | None:
    with live_app.app_context():
        return db.session.scalar(
            select(ReviewRating.level).where(
                ReviewRating.assignment_id == assignment_id,
                ReviewRating.competency_id == competency_id,
            )
        )


def test_scoring_from_the_keyboard_with_autosave(page: Page, live: str, live_app):
    ids = seed(live_app)
    sign_in(page, live, ids["reviewer"], "/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    assert_accessible(page)
    page.get_by_role("link", name="CORE: Core skills").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: CORE Core skills")
    assert_accessible(page)

    # Pick a level without the mouse: focus the group, then arrow keys move the choice.
    page.get_by_role("radio", name="Met").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#rating-{ids['c1']}-partially_met")).to_be_checked()
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    assert saved_level(live_app, ids["assignment"], ids["c1"]) == "partially_met"

    # The next-competency link moves focus down the page.
    page.get_by_role("link", name="Next competency").first.click()
    assert page.url.endswith(f"#competency-{ids['c1'] + 1}")
    page.reload()
    expect(page.locator(f"#rating-{ids['c1']}-partially_met")).to_be_checked()


def test_a_second_tab_gets_the_conflict_message(page: Page, live: str, live_app):
    ids = seed(live_app)
    sign_in(page, live, ids["reviewer"], f"/review/assignments/{ids['assignment']}")
    other = page.context.new_page()
    other.goto(f"{live}/review/assignments/{ids['assignment']}")
    page.locator(f"#rating-{ids['c1']}-met").check()
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    other.locator(f"#rating-{ids['c1']}-not_met").check()
    expect(other.locator("#autosave-status")).to_contain_text("changed since you opened it")
    assert saved_level(live_app, ids["assignment"], ids["c1"]) == "met"
    assert_accessible(other)


def test_the_candidates_outcome_page(page: Page, live: str, live_app):
    ids = seed(live_app, decided=True)
    sign_in(page, live, ids["candidate"], f"/me/outcomes/{ids['submission']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("CORE Core skills: Met")
    assert_accessible(page)


def test_the_administrators_outcome_page(page: Page, live: str, live_app):
    ids = seed(live_app, decided=True)
    sign_in(page, live, "admin@example.org", f"/admin/reviews/submissions/{ids['submission']}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert_accessible(page)


def test_the_quality_page_picks_months_from_the_keyboard(page: Page, live: str, live_app):
    seed(live_app, decided=True)
    sign_in(page, live, "admin@example.org", "/admin/reviews/quality")
    expect(page.get_by_role("heading", name="By reviewer")).to_be_visible()
    assert_accessible(page)
    this_month = clock.today().strftime("%Y-%m")
    page.get_by_label("From month").fill(this_month)
    page.get_by_label("To month").fill(this_month)
    page.get_by_label("To month").press("Enter")
    expect(page.get_by_text(f"Reviews submitted from {clock.today():%B %Y} to")).to_be_visible()
    # The pair just decided: Partially met against Met on each of the 3 competencies.
    expect(page.get_by_role("row", name="Core skills")).to_contain_text("100% of 3")
    assert_accessible(page)


def test_the_review_queues_of_administrators(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "admin@example.org", "/admin/reviews")
    assert_accessible(page)
    for path, heading in (
        ("/admin/reviews/unassigned", "Unassigned submissions"),
        ("/admin/reviews/overdue", "Overdue reviews"),
    ):
        page.goto(f"{live}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)


def test_an_incomplete_review_lists_every_problem_and_focus_moves_to_the_list(
    page: Page, live: str, live_app
):
    ids = seed(live_app)
    sign_in(page, live, ids["reviewer"], f"/review/assignments/{ids['assignment']}")
    page.locator(f"#rating-{ids['c1']}-not_met").check()  # needs a comment; two need ratings
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    page.get_by_role("button", name="Submit review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)
    assert_accessible(page)


def test_a_review_whose_session_ends_loses_nothing(page: Page, live: str, live_app):
    ids = seed(live_app)
    path = f"/review/assignments/{ids['assignment']}"
    sign_in(page, live, ids["reviewer"], path)
    page.locator(f"#rating-{ids['c1']}-met").check()
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")

    page.context.clear_cookies()  # the session ends
    page.locator(f"#rating-{ids['c1']}-partially_met").check()
    page.locator(f"#comment-{ids['c1']}").fill("The evidence covers circulation only.")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("You were signed out")
    status.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Email address").fill(ids["reviewer"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#autosave-status")).to_contain_text(
        "We put back ratings and comments you gave here earlier that were not saved."
    )
    expect(page.locator(f"#rating-{ids['c1']}-partially_met")).to_be_checked()
    expect(page.locator(f"#comment-{ids['c1']}")).to_have_value(
        "The evidence covers circulation only."
    )
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    assert saved_level(live_app, ids["assignment"], ids["c1"]) == "partially_met"
